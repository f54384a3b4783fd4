# auth = ntlm when a worker or a client turns hostile (issue 13, items
# 3-5): the master mints the challenges for the worker's real client
# connection, counts failures per address the connection comes from and
# delays refusals itself, so a taken-over worker (rpxd-worker-selftest's
# /.rpxd-hostile-ntlm/ hook, worker/ntlm_selftest.c) guesses no faster
# than a client and cannot forge a client; a client's oversize NT response
# gets 401 from its worker, never the worker killed; the client's identity
# header goes in every spelling and the backend (Python wsgiref, which
# folds the spellings as CGI does) sees the ntlm-users file's spelling.
# Takes about 30 s.
. "$IT/apache_ntlm.sh"	# NTLM_PY: a python3 with requests-ntlm

nc_hash() {	# password: its NT hash
	printf '%s' "$1" | iconv -t UTF-16LE |
	    openssl dgst -md4 -provider legacy -provider default | sed 's/.*= //'
}

nc_conf() {
	{
		echo "alice:RPXTEST:$(nc_hash 'Alice-pw-7')"
		echo "Bob::$(nc_hash 'Bob-pw-8')"
	} > "$WORK/nc-users"
	chmod 600 "$WORK/nc-users"
	base_conf
	cat <<CONF
ntlm-users = "$WORK/nc-users"
ntlm-domain = "RPXTEST"
auth-failure-limit = 3
auth-failure-delay = 2
backend "echo" { server = { "127.0.0.1:8095" } }
backend "a" { server = { "127.0.0.1:8080" } }
listener "http" {
	address = "127.0.0.1"
	port = 80
	route "ntlm" { host = { "ntlm.example.com" } backend = "echo" auth = "ntlm" }
	route "none" { host = { "none.example.com" } backend = "echo" auth = "none" }
	route "plain" { host = { "plain.example.com" } backend = "a" }
}
CONF
}

nc_get() {	# host path [curl args]: the body
	local host=$1 path=$2
	shift 2
	curl -s --max-time 30 -H "Host: $host" "$@" "http://127.0.0.1$path"
}
# nc_log MARK: the daemon's log after line MARK
nc_log() { tail -n "+$(($1 + 1))" "$WORK/rpxd.log"; }

nc_spelling() {
	local r
	r=$(nc_get ntlm.example.com /who --ntlm -u 'RPXTEST\alice:Alice-pw-7' \
	    -H 'X_Authenticated_User: CORP\administrator' \
	    -H 'x-AUTHENTICATED_user: CORP\root')
	expect "auth = ntlm: client copies of the identity header in other spellings never reach the backend" \
	    "$r" 'identity=RPXTEST\alice raw=X-Authenticated-User'
	r=$(nc_get none.example.com /who \
	    -H 'X_Authenticated_User: CORP\administrator' \
	    -H 'X-Authenticated-User: CORP\root')
	expect "auth = none: no spelling of the identity header reaches the backend" \
	    "$r" 'identity=- raw=-'
}

nc_canonical() {
	local r
	r=$(nc_get ntlm.example.com /who --ntlm -u 'rpxtest\ALICE:Alice-pw-7')
	expect "auth = ntlm: the identity is spelled as in ntlm-users (rpxtest\\ALICE -> RPXTEST\\alice)" \
	    "$r" 'identity=RPXTEST\alice raw=X-Authenticated-User'
	r=$(nc_get ntlm.example.com /who --ntlm -u 'corp\bOB:Bob-pw-8')
	expect "auth = ntlm: an entry of any domain gives ntlm-domain, not the client's (corp\\bOB -> RPXTEST\\Bob)" \
	    "$r" 'identity=RPXTEST\Bob raw=X-Authenticated-User'
}

nc_oversize() {
	local r mark before after
	mark=$(wc -l < "$WORK/rpxd.log")
	before=$(workers | tr '\n' ' ')
	r=$("$NTLM_PY" "$IT/ntlm_client.py" oversize --host ntlm.example.com \
	    --nt-len 5000 http://127.0.0.1/who 'RPXTEST\alice:x' 2>&1)
	expect "oversize NT response (5000 bytes): 401, and the connection goes on (401 again)" \
	    "$r" 'status=401 then=401'
	sleep 0.5
	check "oversize NT response: the worker logs the refusal naming the client" \
	    bash -c "tail -n +$((mark + 1)) '$WORK/rpxd.log' | grep -q \
	    'auth: client 127.0.0.1:[0-9]*: NTLM login refused: NT response longer than 4096 bytes'"
	r=$(nc_log "$mark" | grep -ci -e 'killing' -e 'hostile' -e 'malformed')
	expect "oversize NT response: the master kills no worker and raises no alarm" "$r" 0
	# Every worker of before still runs (the pool may have started more
	# since: it follows demand every 100 ms).
	after=$(workers | tr '\n' ' ')
	expect "oversize NT response: the workers of before all still run" \
	    "$(for p in $before; do case " $after" in *" $p "*) ;; *) echo "$p gone";; esac; done)" ""
	r=$("$NTLM_PY" "$IT/ntlm_client.py" oversize --host ntlm.example.com \
	    --nt-len 4096 --source 127.0.0.3 http://127.0.0.1/who \
	    'RPXTEST\alice:x' 2>&1)
	expect "an NT response of 4096 bytes (the bound) is checked: 401 (wrong), connection goes on" \
	    "$r" 'status=401 then=401'
}

nc_replay() {
	local r
	r=$("$NTLM_PY" "$IT/ntlm_client.py" replay --host ntlm.example.com \
	    --source 127.0.0.3 http://127.0.0.1/who 'RPXTEST\alice:Alice-pw-7' 2>&1)
	expect "a type 3 replayed on a new connection after a fresh challenge: 401" \
	    "$r" 'first=200 replayed=401'
}

# A taken-over worker guesses alice's password 6 times as fast as the
# master lets it (limit 3, delay 2 s): 3 checks, then refusals held 2 s
# each by the master; meanwhile the master answers rpxctl, another
# address logs in at once, and this address is refused even the right
# password.
nc_guesses() {
	local mark t0 t1 r hpid ctl_ms
	mark=$(wc -l < "$WORK/rpxd.log")
	nc_get plain.example.com /.rpxd-hostile-ntlm/guess/6 -o /dev/null &
	hpid=$!
	sleep 1
	t0=$(date +%s%N)
	r=$(nc_get ntlm.example.com /who --interface 127.0.0.2 \
	    --ntlm -u 'RPXTEST\alice:Alice-pw-7')
	t1=$(date +%s%N)
	expect "while one address is held back, another logs in" "$r" \
	    'identity=RPXTEST\alice raw=X-Authenticated-User'
	check "... at once ($(((t1 - t0) / 1000000)) ms < 1500)" \
	    test $(((t1 - t0) / 1000000)) -lt 1500
	t0=$(date +%s%N)
	"$TOP/rpxctl" -s "$WORK/rpxd.sock" status >/dev/null
	r=$?
	ctl_ms=$((($(date +%s%N) - t0) / 1000000))
	check "... and the master answers rpxctl status ($ctl_ms ms)" \
	    test "$r" = 0 -a "$ctl_ms" -lt 1000
	wait "$hpid"
	r=$(nc_get ntlm.example.com /who -o /dev/null -w '%{http_code}' \
	    --ntlm -u 'RPXTEST\alice:Alice-pw-7')
	expect "the guessing worker's client address is refused even the right password" "$r" 401
	sleep 0.3
	nc_log "$mark" | grep 'hostile selftest:' | sed 's/^/    /'
	r=$(nc_log "$mark" | grep -c 'NTLM login failed for RPXTEST.alice: wrong password')
	expect "hostile worker: only auth-failure-limit (3) of its 6 guesses are checked" "$r" 3
	r=$(nc_log "$mark" | grep -c 'client 127.0.0.1: NTLM login of RPXTEST.alice refused: [0-9]* failures from this address')
	expect "hostile worker: the others (and the client's login) are refused by the limit on its client's real address" "$r" 4
	r=$(nc_log "$mark" | sed -n 's/.*hostile selftest: 6 guesses took \([0-9]*\) ms/\1/p')
	check "hostile worker: the master held its refusals: 6 guesses took ${r:-?} ms >= 8000" \
	    test "${r:-0}" -ge 8000
	r=$(nc_log "$mark" | grep -c 'hostile selftest: guess [4-6]: refused (too many failed logins from this address) after [2-9][0-9][0-9][0-9] ms')
	expect "hostile worker: each refusal beyond the limit came 2 s late" "$r" 3
}

# A taken-over worker asks a challenge for a UDP socket "connected" to an
# address of its choice: the master kills it and says why; others serve.
nc_forge() {
	local mark r
	mark=$(wc -l < "$WORK/rpxd.log")
	r=$(nc_get plain.example.com /.rpxd-hostile-ntlm/forge -o /dev/null \
	    -w '%{http_code}')
	expect "forged client connection: the hostile worker's client gets no answer" "$r" 000
	sleep 0.5
	check "forged client connection: the master says why and kills the worker" \
	    bash -c "tail -n +$((mark + 1)) '$WORK/rpxd.log' | grep -q \
	    'auth: worker [0-9]* sent a descriptor that is no client connection for an NTLM challenge: not an accepted TCP connection'"
	check "... killing it" bash -c "tail -n +$((mark + 1)) '$WORK/rpxd.log' | \
	    grep -q 'pool: worker [0-9]* sent a malformed or untimely ntlm challenge .*killing it'"
	check "... no challenge was answered to it" bash -c "! tail -n \
	    +$((mark + 1)) '$WORK/rpxd.log' | grep -q 'forged challenge answered'"
	expect "forged client connection: other workers still serve" \
	    "$(nc_get plain.example.com /small.txt -o /dev/null -w '%{http_code}')" 200
}

nc_tests() {
	"$NTLM_PY" -c 'import ntlm_auth' 2>/dev/null || {
		fail "NTLM test prerequisites installed" "python3-ntlm-auth: run tests/install-deps.sh"
		return; }
	start_python wsgi_echo.py 8095 || { fail "wsgiref backend starts on 8095"; return; }
	NC_ECHO_PID=${EXTRA_PIDS[-1]}
	nc_conf > "$WORK/nc.conf"
	"$TOP/rpxd" -d -f "$WORK/nc.conf" -W "$TOP/rpxd-worker-selftest" \
	    >>"$WORK/rpxd.log" 2>&1 &
	RPXD_PID=$!
	if ! wait_port 127.0.0.1 80 5 || ! wait_workers 2 5; then
		fail "rpxd starts with the hostile-NTLM configuration" \
		    "$(tail -3 "$WORK/rpxd.log" | tr '\n' ' ')"
		return
	fi
	nc_spelling
	nc_canonical
	nc_oversize
	nc_replay
	nc_guesses
	nc_forge
}

nc_tests
stop_rpxd
# The wsgiref backend: its port is free again for the next file.
[ -n "${NC_ECHO_PID:-}" ] && kill "$NC_ECHO_PID" 2>/dev/null && wait "$NC_ECHO_PID" 2>/dev/null
