# Negotiate with NTLM inside (issue 18): a client that answers with an
# SPNEGO token whose mechanism is NTLMSSP, as a browser or Windows client
# with no Kerberos ticket does, is logged in on an auth = ntlm route as
# one speaking Authorization: NTLM is, here against the ntlm-users file
# (t_73 does the domain). Clients (spnego_client.py): a real SPNEGO stack
# (python3-gssapi over MIT krb5 with gss-ntlmssp, as curl --negotiate),
# NTLMSSP under Negotiate without SPNEGO, and a client listing Kerberos
# first, which rpxd counter-proposes NTLMSSP to. Checks the backend's
# identity, the access line's user=, the mechListMICs (the client's
# checked: a forged one gets 401; rpxd's verified by gssapi), a wrong
# password's 401, and a malformed token's 401 with a log line and no
# worker lost. About 5 s.
. "$IT/apache_ntlm.sh"	# NTLM_PY: a python3 with ntlm_auth

SN_PORT=8098

sn_hash() {	# password: its NT hash
	printf '%s' "$1" | iconv -t UTF-16LE |
	    openssl dgst -md4 -provider legacy -provider default | sed 's/.*= //'
}

sn_conf() {
	echo "alice:RPXTEST:$(sn_hash 'Alice-pw-7')" > "$WORK/sn-users"
	chmod 600 "$WORK/sn-users"
	base_conf
	cat <<CONF
ntlm-users = "$WORK/sn-users"
ntlm-domain = "RPXTEST"
auth-failure-limit = 20
backend "echo" { server = { "127.0.0.1:$SN_PORT" } }
listener "http" {
	address = "127.0.0.1"
	port = 80
	route "ntlm" { host = { "ntlm.example.com" } backend = "echo" auth = "ntlm" }
}
CONF
}

sn_log() { tail -n "+$(($1 + 1))" "$WORK/rpxd.log"; }
# sn_client MODE [args]: spnego_client.py against ntlm.example.com/who
sn_client() {
	local mode=$1
	shift
	"$NTLM_PY" "$IT/spnego_client.py" "$mode" ntlm.example.com /who "$@" 2>&1
}

# The gssapi client with gss-ntlmssp's credentials from a file, as curl
# --negotiate takes them.
sn_gss() {	# password
	printf 'RPXTEST:alice:%s\n' "$1" > "$WORK/sn-client-users"
	NTLM_USER_FILE=$WORK/sn-client-users NTLMUSER=alice \
	    KRB5_CONFIG=/dev/null KRB5CCNAME=FILE:$WORK/sn-none.cc \
	    sn_client gss
}

sn_real_client() {
	local mark r
	mark=$(wc -l < "$WORK/rpxd.log")
	r=$(sn_gss 'Alice-pw-7')
	# MIT's SPNEGO sends a mechListMIC with NTLM; rpxd checks it and
	# answers with its own, which the client's context verifies.
	expect "SPNEGO with NTLM (gssapi + gss-ntlmssp): 200, the backend sees RPXTEST\\alice, rpxd's mechListMIC verifies" \
	    "$r" 'status=200 rounds=2 final=accept-completed body=identity=RPXTEST\alice raw=X-Authenticated-User mic=verified'
	sleep 0.3
	check "... the access line says user=RPXTEST\\x5calice" bash -c "tail -n \
	    +$((mark + 1)) '$WORK/rpxd.log' | grep -q 'access client=127.0.0.1:.* path=/who .*status=200 .*user=RPXTEST\\\\x5calice'"
	mark=$(wc -l < "$WORK/rpxd.log")
	r=$(sn_gss 'wrong')
	expect_match "SPNEGO with NTLM, wrong password: 401" "$r" '^status=401 '
	sleep 0.3
	check "... logged as a failed NTLM login" bash -c "tail -n \
	    +$((mark + 1)) '$WORK/rpxd.log' | grep -q 'NTLM login failed for RPXTEST.alice: wrong password'"
}

sn_other_clients() {
	local r
	r=$(sn_client bare 'RPXTEST\alice:Alice-pw-7')
	expect "bare NTLMSSP under Negotiate: 200 as RPXTEST\\alice" "$r" \
	    'status=200 rounds=2 final=none body=identity=RPXTEST\alice raw=X-Authenticated-User'
	r=$(sn_client bare 'RPXTEST\alice:nope')
	expect_match "bare NTLMSSP under Negotiate, wrong password: 401" "$r" '^status=401 '
	# No mechListMIC from this client: the 200 carries accept-completed.
	r=$(sn_client badmic 'RPXTEST\alice:Alice-pw-7')
	expect "NTLM in SPNEGO with a forged mechListMIC: 401" "$r" \
	    'status=401 rounds=2 final=none body=401 Unauthorized'
	sleep 0.3
	check "... the worker says the MIC does not verify" log_has \
	    'SPNEGO login of RPXTEST.alice refused: its mechListMIC does not verify'
	r=$(sn_client counter 'RPXTEST\alice:Alice-pw-7')
	expect "Kerberos listed first, no ticket: NTLMSSP proposed (request-mic), then 200" \
	    "$r" 'status=200 rounds=3 final=accept-completed body=identity=RPXTEST\alice raw=X-Authenticated-User'
}

sn_malformed() {
	local mark r before after
	mark=$(wc -l < "$WORK/rpxd.log")
	before=$(workers | tr '\n' ' ')
	# A NegTokenInit whose mechTypes length runs past the token, then a
	# NegTokenResp out of the blue, on one connection.
	r=$(curl -s --max-time 10 -H 'Host: ntlm.example.com' \
	    -H 'Authorization: Negotiate YEgGBisGAQUFAqA+MDygfzAMBgorBgEEAYI3AgIK' \
	    -o /dev/null -w '%{http_code} %{num_connects} ' http://127.0.0.1/who \
	    --next -H 'Host: ntlm.example.com' \
	    -H 'Authorization: Negotiate oQcwBaADCgEB' \
	    -o /dev/null -w '%{http_code} %{num_connects}' http://127.0.0.1/who)
	expect "malformed SPNEGO token, then a stray NegTokenResp: 401 and 401 on one connection" \
	    "$r" '401 1 401 0'
	sleep 0.3
	check "... the worker says what is wrong" bash -c "tail -n \
	    +$((mark + 1)) '$WORK/rpxd.log' | grep -q 'auth: client 127.0.0.1:[0-9]*: malformed SPNEGO token: '"
	check "... and that the NegTokenResp has no handshake" bash -c "tail -n \
	    +$((mark + 1)) '$WORK/rpxd.log' | grep -q 'a SPNEGO NegTokenResp with no SPNEGO handshake on this connection'"
	after=$(workers | tr '\n' ' ')
	expect "... no worker lost" \
	    "$(for p in $before; do case " $after" in *" $p "*) ;; *) echo "$p gone";; esac; done)" ""
	r=$(sn_log "$mark" | grep -ci -e 'killing' -e 'killed by signal' -e 'hostile')
	expect "... and no alarm in the master" "$r" 0
}

sn_tests() {
	"$NTLM_PY" -c 'import ntlm_auth, gssapi' 2>/dev/null &&
	    grep -qs gssntlmssp /etc/gss/mech /etc/gss/mech.d/*.conf || {
		fail "SPNEGO test prerequisites installed" "python3-ntlm-auth, python3-gssapi, gss-ntlmssp: run tests/install-deps.sh"
		return; }
	start_python wsgi_echo.py "$SN_PORT" ||
	    { fail "wsgiref backend starts on $SN_PORT"; return; }
	SN_ECHO_PID=${EXTRA_PIDS[-1]}
	sn_conf > "$WORK/sn.conf"
	start_rpxd "$WORK/sn.conf" ||
	    { fail "rpxd starts with the SPNEGO configuration"; return; }
	sn_real_client
	sn_other_clients
	sn_malformed
}

sn_tests
stop_rpxd
[ -n "${SN_ECHO_PID:-}" ] && kill "$SN_ECHO_PID" 2>/dev/null && wait "$SN_ECHO_PID" 2>/dev/null
