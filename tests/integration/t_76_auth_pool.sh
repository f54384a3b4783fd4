# rpxd as the authenticator (auth = ntlm) in front of plain nginx, and
# backend pools: roundrobin over all workers, source hash, leastconn,
# the sticky cookie, a refused server held back, every server gone.
. "$IT/apache_ntlm.sh"	# NTLM_PY: a python3 with requests-ntlm

nt_hash() {	# password: the NT hash, as rpxd.conf(5) says to make it
	printf '%s' "$1" | iconv -t UTF-16LE |
	    openssl dgst -md4 -provider legacy -provider default | sed 's/.*= //'
}

{
	echo "# comment line"
	echo "alice:RPXTEST:$(nt_hash 'Alice-pw-7')"
	echo "bob::$(nt_hash 'Bob-pw-8')"
} > "$WORK/auth-ntlm-users"
chmod 600 "$WORK/auth-ntlm-users"

{
	base_conf
	cat <<CONF
ntlm-users = "$WORK/auth-ntlm-users"
ntlm-domain = "RPXTEST"
auth-failure-limit = 3
auth-failure-delay = 1
backend "a" { server = { "127.0.0.1:8080" } }
backend "rr" { server = { "127.0.0.1:8080", "127.0.0.1:8081" } }
backend "src" {
	server = { "127.0.0.1:8080", "127.0.0.1:8081" }
	balance = "source"
}
backend "lc" {
	server = { "127.0.0.1:8080", "127.0.0.1:8081" }
	balance = "leastconn"
}
backend "sticky" {
	server = { "127.0.0.1:8080", "127.0.0.1:8081" }
	sticky-cookie = "RPXSRV"
}
backend "refused-first" {
	server = { "127.0.0.1:8097", "127.0.0.1:8080" }
	down-time = 60
}
backend "gone" { server = { "127.0.0.1:8097", "127.0.0.1:8098" } }
listener "http" {
	address = "127.0.0.1"
	port = 80
	route "ntlm" { host = { "ntlm.example.com" } backend = "a" auth = "ntlm" }
	route "rr" { host = { "rr.example.com" } backend = "rr" }
	route "src" { host = { "src.example.com" } backend = "src" }
	route "lc" { host = { "lc.example.com" } backend = "lc" }
	route "sticky" { host = { "sticky.example.com" } backend = "sticky" }
	route "refused" { host = { "refused.example.com" } backend = "refused-first" }
	route "gone" { host = { "gone.example.com" } backend = "gone" }
}
CONF
} > "$WORK/authpool.conf"

get() {	# host path [curl args]: the body
	local host=$1 path=$2
	shift 2
	curl -s --max-time 10 -H "Host: $host" "$@" "http://127.0.0.1$path"
}

auth_ntlm_tests() {
	local r mark
	r=$(get ntlm.example.com /whoami --ntlm -u 'RPXTEST\alice:Alice-pw-7')
	expect "auth = ntlm: curl --ntlm as alice reaches nginx as RPXTEST\\alice" \
	    "$r" 'user=RPXTEST\alice authz= backend=A'
	r=$(get ntlm.example.com /whoami --ntlm -u 'corp\bob:Bob-pw-8')
	expect "auth = ntlm: an entry without a domain takes any, named in ntlm-domain (RPXTEST\\bob)" \
	    "$r" 'user=RPXTEST\bob authz= backend=A'
	r=$(get ntlm.example.com /whoami --ntlm -u 'RPXTEST\alice:Alice-pw-7' \
	    -H 'X-Authenticated-User: RPXTEST\administrator')
	expect "auth = ntlm: the client's own identity header is removed" \
	    "$r" 'user=RPXTEST\alice authz= backend=A'
	r=$(curl -s -o /dev/null -D - -H 'Host: ntlm.example.com' \
	    -H 'X-Authenticated-User: RPXTEST\alice' \
	    http://127.0.0.1/whoami | tr -d '\r')
	expect_match "auth = ntlm: no credentials gets 401 with WWW-Authenticate: NTLM" \
	    "$r" $'^HTTP/1.1 401[^\n]*\n(.*\n)?WWW-Authenticate: NTLM\n'
	mark=$(wc -l < "$WORK/rpxd.log")
	r=$(get ntlm.example.com /whoami -o /dev/null -w '%{http_code}' \
	    --ntlm -u 'RPXTEST\alice:wrong')
	expect "auth = ntlm: a wrong password gets 401" "$r" 401
	r=$(get ntlm.example.com /whoami -o /dev/null -w '%{http_code}' \
	    --ntlm -u 'RPXTEST\mallory:Alice-pw-7')
	expect "auth = ntlm: an unknown user gets 401" "$r" 401
	sleep 0.5
	check "auth = ntlm: the failure is logged with user, address and why" \
	    bash -c "tail -n +$((mark + 1)) '$WORK/rpxd.log' | grep -q \
	    'auth: client 127.0.0.1: NTLM login failed for RPXTEST.alice: wrong password'"
	check "auth = ntlm: an unknown user is logged as such" \
	    bash -c "tail -n +$((mark + 1)) '$WORK/rpxd.log' | grep -q \
	    'NTLM login failed for RPXTEST.mallory: unknown user'"
	r=$("$NTLM_PY" "$IT/ntlm_client.py" login --host ntlm.example.com \
	    http://127.0.0.1/whoami 'RPXTEST\alice:Alice-pw-7' 2>&1)
	expect "auth = ntlm: NTLMv2 from python ntlm_auth is accepted" \
	    "$r" 'status=200 user=RPXTEST\alice authz= backend=A'
	r=$("$NTLM_PY" "$IT/ntlm_client.py" login --compat 1 --host \
	    ntlm.example.com http://127.0.0.1/whoami 'RPXTEST\alice:Alice-pw-7' 2>&1)
	expect_match "auth = ntlm: NTLMv1 is refused with 401" "$r" '^status=401'
	sleep 0.5
	check "auth = ntlm: the NTLMv1 refusal is logged" bash -c "tail -n \
	    +$((mark + 1)) '$WORK/rpxd.log' | grep -q 'NTLM login refused: .*NTLMv1'"
	local p held=0 hash rc
	hash=$(nt_hash 'Alice-pw-7')
	for p in $(workers); do
		python3 "$IT/memgrep.py" "$p" "$hash" >/dev/null
		rc=$?
		case $rc in 0) held=found ;; 2) held=unreadable ;; esac
	done
	expect "auth = ntlm: no worker's memory holds alice's NT hash" "$held" 0
	check "auth = ntlm: ... the master's does (the test can see one)" \
	    python3 "$IT/memgrep.py" "$RPXD_PID" "$hash"
	# Three failures in a row (two above, one here), then the limit.
	get ntlm.example.com /whoami -o /dev/null --ntlm -u 'RPXTEST\alice:bad'
	r=$(get ntlm.example.com /whoami -o /dev/null -w '%{http_code}' \
	    --ntlm -u 'RPXTEST\alice:Alice-pw-7')
	expect "auth = ntlm: beyond auth-failure-limit even the right password gets 401" \
	    "$r" 401
	sleep 0.5
	check "auth = ntlm: the refusal by the limit is logged" bash -c "tail -n \
	    +$((mark + 1)) '$WORK/rpxd.log' | grep -q 'failures from this address'"
}

pool_tests() {
	local r a b i first jar=$WORK/cookies mark
	r=$(for i in $(seq 1 10); do get rr.example.com /whoami; done |
	    sort | uniq -c | awk '{print $1}' | tr '\n' ' ')
	expect "roundrobin: 10 new connections over all workers: 5 and 5" "$r" "5 5 "
	a=$(for i in $(seq 1 6); do get src.example.com /whoami; done | sort -u)
	b=$(for i in $(seq 1 6); do get src.example.com /whoami --interface 127.0.0.2; done | sort -u)
	check "source: one client address always gets the same server" \
	    test "$(printf '%s\n' "$a" | wc -l)" = 1
	check "source: so does another address" \
	    test "$(printf '%s\n' "$b" | wc -l)" = 1
	# leastconn: a kept-alive connection holds one server busy; new
	# connections go to the other.
	python3 -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", 80))
s.sendall(b"GET /whoami HTTP/1.1\r\nHost: lc.example.com\r\n\r\n")
print(s.recv(4096).decode().split("\r\n\r\n", 1)[1].strip(), flush=True)
time.sleep(6)' > "$WORK/lc.held" &
	local holder=$!
	sleep 1
	first=$(sed 's/.*backend=//' "$WORK/lc.held")
	r=$(for i in $(seq 1 4); do get lc.example.com /whoami; done |
	    sed 's/.*backend=//' | sort -u)
	check "leastconn: with $first busy, 4 new connections all go to the other ($r)" \
	    test -n "$first" -a -n "$r" -a "$r" != "$first" -a "$(echo "$r" | wc -l)" = 1
	wait "$holder"
	rm -f "$jar"
	r=$(curl -s -D - -o /dev/null -c "$jar" -H 'Host: sticky.example.com' \
	    http://127.0.0.1/whoami | tr -d '\r' | grep -i '^set-cookie')
	expect_match "sticky: the first answer sets the cookie" "$r" \
	    '^Set-Cookie: RPXSRV=[0-9a-f]{16}; Path=/; HttpOnly$'
	first=$(get sticky.example.com /whoami -b "$jar")
	r=$(for i in $(seq 1 6); do get sticky.example.com /whoami -b "$jar"; done | sort -u)
	expect "sticky: six more requests with the cookie reach the same server" \
	    "$r" "$first"
	r=$(curl -s -D - -o /dev/null -b "$jar" -H 'Host: sticky.example.com' \
	    http://127.0.0.1/whoami | grep -ci '^set-cookie')
	expect "sticky: no new cookie for a client that has one" "$r" 0
	mark=$(wc -l < "$WORK/rpxd.log")
	r=$(for i in $(seq 1 5); do get refused.example.com /whoami; done | sort -u)
	expect "passive: a refused server is skipped, nothing fails" "$r" \
	    'user= authz= backend=A'
	sleep 0.5
	r=$(tail -n +$((mark + 1)) "$WORK/rpxd.log" | grep -c '127.0.0.1:8097: connect failed')
	expect "passive: it is tried once, then held back for down-time" "$r" 1
	check "passive: the hold is logged" bash -c "tail -n +$((mark + 1)) \
	    '$WORK/rpxd.log' | grep -q 'held back for down-time'"
	r=$(get gone.example.com /whoami -o /dev/null -w '%{http_code}')
	expect "every server refusing: 502" "$r" 502
	sleep 0.5
	check "every server refusing: logged" bash -c "tail -n +$((mark + 1)) \
	    '$WORK/rpxd.log' | grep -q 'no server of the backend could be reached'"
}

start_rpxd "$WORK/authpool.conf" || fail "rpxd starts with auth and pools"
pool_tests
auth_ntlm_tests
