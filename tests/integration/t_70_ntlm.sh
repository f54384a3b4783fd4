# NTLM pass-through (R11, DESIGN.md request path step 8): rpxd on 80 and
# 443 in front of real NTLM backends, Apache httpd with mod_auth_gssapi and
# gss-ntlmssp (apache_ntlm.sh): two plain instances on 8091 and 8092 (a
# round-robin pool) and a TLS one on 4447, and early_backend.py on 8093,
# which challenges on the head before the body the way IIS does. Clients are curl --ntlm,
# requests-ntlm sessions interleaved (ntlm_client.py rounds) and NTLM by
# hand on a raw socket (ntlm_client.py killed). Checks what the users see
# and the access line's auth=, pin= and bconn= fields. Takes about 40 s
# (30 s when t_60 made the test PKI already).
. "$IT/apache_ntlm.sh"
. "$IT/tls_pki.sh"
P=$WORK/pki
NTLM_A="RPXTEST\\alice:$NTLM_ALICE_PW"
NTLM_B="RPXTEST\\bob:$NTLM_BOB_PW"
NTLM_MARK=0
[ -f "$WORK/rpxd.log" ] && NTLM_MARK=$(wc -l < "$WORK/rpxd.log")

# ntlm_access PATH: rpxd's access lines (since this file began) for PATH
ntlm_access() {
	tail -n "+$((NTLM_MARK + 1))" "$WORK/rpxd.log" |
	    grep -F -- " path=$1 " | grep -- 'access client='
}
# ntlm_field NAME: the value of NAME=... in each line on stdin
ntlm_field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }

# ntlm_get HOST PATH [curl options]: the body of http://HOST/PATH through rpxd
ntlm_get() {
	local h=$1 p=$2
	shift 2
	curl -s --max-time 10 --resolve "$h:80:127.0.0.1" "$@" "http://$h$p"
}
ntlm_status() { ntlm_get "$@" -o /dev/null -w '%{http_code}'; }
# ntlm_get2 HOST PATH1 PATH2 [curl options]: both, in order, on one connection
ntlm_get2() {
	local h=$1 p1=$2 p2=$3
	shift 3
	curl -s --max-time 10 --resolve "$h:80:127.0.0.1" "$@" "http://$h$p1" \
	    "http://$h$p2"
}

ntlm_prereqs() {
	local why=
	[ -x "$APACHE_BIN" ] || why="$why apache2"
	[ -f "$APACHE_MODULES/mod_auth_gssapi.so" ] ||
	    why="$why libapache2-mod-auth-gssapi"
	grep -qs gssntlmssp /etc/gss/mech /etc/gss/mech.d/*.conf ||
	    why="$why gss-ntlmssp"
	"$NTLM_PY" -c 'import requests_ntlm, ntlm_auth' 2>/dev/null ||
	    why="$why python3-requests-ntlm"
	[ -z "$why" ] && return 0
	fail "NTLM test prerequisites installed" "missing$why: run tests/install-deps.sh"
	return 1
}

ntlm_conf() {
	base_conf
	cat <<CONF
early-response-body-max = 65536
early-response-body-timeout = 2
backend "early" { server = { "127.0.0.1:8093" } }
backend "ntlm" { server = { "127.0.0.1:8091" } }
backend "ntlm-pool" {
	server = { "127.0.0.1:8091", "127.0.0.1:8092" }
	balance = "roundrobin"
}
backend "ntlm-tls" {
	server = { "127.0.0.1:4447" }
	tls = yes
	ca-file = "$P/ca.pem"
	verify-name = "fe01.corp.local"
}
listener "http" {
	address = "127.0.0.1"
	port = 80
	route "ntlm" {
		host = { "ntlm.example.com" }
		backend = "ntlm"
		auth = "passthrough"
	}
	route "pool" { host = { "pool.example.com" } backend = "ntlm-pool" }
	route "ews" { host = { "ews.example.com" } backend = "early" }
	route "noauth" {
		host = { "noauth.example.com" }
		backend = "ntlm"
		auth = "none"
	}
}
listener "https" {
	address = "127.0.0.1"
	port = 443
	tls { certificate "$P/lync-rsa.pem" { key = "$P/lync-rsa.key" } }
	route "ntlm-tls" { host = { "lyncweb.example.com" } backend = "ntlm-tls" }
}
CONF
}

# The backend alone, before rpxd is in front of it: what the tests below
# rely on.
ntlm_backend_direct() {
	local r
	r=$(curl -s --max-time 10 --ntlm -u "$NTLM_A" http://127.0.0.1:8091/whoami)
	expect_match "backend: curl --ntlm as alice gets alice" "$r" '^user=RPXTEST\\alice server=a1 '
	expect "backend: a wrong password gets 401" "$(status_of --ntlm \
	    -u 'RPXTEST\alice:wrong' http://127.0.0.1:8091/whoami)" 401
	r=$(curl -s --max-time 10 -D - -o /dev/null http://127.0.0.1:8092/whoami)
	expect_match "backend: no credentials gets 401 with WWW-Authenticate: NTLM" "$r" $'WWW-Authenticate: NTLM\r'
	r=$("$NTLM_PY" "$IT/ntlm_client.py" rounds http://127.0.0.1:8092/whoami \
	    "$NTLM_A" "$NTLM_B" --rounds 5 2>&1)
	expect_match "backend: requests-ntlm sessions get their own users" "$r" '^rounds=5 users=2 requests=10 '
	r=$(curl -s --max-time 10 --ntlm -u "$NTLM_B" --cacert "$P/ca.pem" \
	    https://127.0.0.1:4447/whoami)
	expect_match "backend: NTLM over TLS on 4447 gets bob" "$r" '^user=RPXTEST\\bob server=t1 '
	r=$(curl -s --max-time 10 -H 'Authorization: Basic YTpi' http://127.0.0.1:8091/anon)
	expect_match "backend: /anon shows the Authorization it got" "$r" ' auth=Basic YTpi$'
}

# curl --ntlm through rpxd, plain and TLS.
ntlm_curl() {
	local r
	r=$(ntlm_get ntlm.example.com /whoami --ntlm -u "$NTLM_A" -w ' %{http_code}')
	expect_match "curl --ntlm as alice through rpxd: 200 and alice" "$r" '^user=RPXTEST\\alice server=a1 .* 200$'
	expect "curl --ntlm with a wrong password through rpxd: 401" \
	    "$(ntlm_status ntlm.example.com /whoami --ntlm -u 'RPXTEST\alice:wrong')" 401
	r=$(ntlm_get pool.example.com /whoami --ntlm -u "$NTLM_B" -w ' %{http_code}')
	expect_match "curl --ntlm as bob through the pool: 200 and bob" "$r" '^user=RPXTEST\\bob server=a[12] .* 200$'
	r=$(curl -s --max-time 10 --cacert "$P/ca.pem" \
	    --resolve lyncweb.example.com:443:127.0.0.1 --ntlm -u "$NTLM_A" \
	    -w ' %{http_code}' https://lyncweb.example.com/whoami)
	expect_match "TLS 443 -> 4447: curl --ntlm as alice: 200 and alice" "$r" '^user=RPXTEST\\alice server=t1 .* 200$'
	r=$(curl -s --max-time 10 --cacert "$P/ca.pem" \
	    --resolve lyncweb.example.com:443:127.0.0.1 \
	    --ntlm -u 'RPXTEST\alice:wrong' -o /dev/null -w '%{http_code}' \
	    https://lyncweb.example.com/whoami)
	expect "TLS 443 -> 4447: a wrong password gets 401" "$r" 401
}

# ntlm_rounds NAME URL HOST ROUNDS [options]: alice and bob interleaved
# on one keep-alive session each; every answer names its own user, and
# each user's requests went over one client and one backend connection.
ntlm_rounds() {
	local name=$1 url=$2 host=$3 n=$4 r
	shift 4
	r=$("$NTLM_PY" "$IT/ntlm_client.py" rounds "$url" "$NTLM_A" "$NTLM_B" \
	    --host "$host" --rounds "$n" "$@" 2>&1)
	expect_match "$name: alice and bob interleaved, $n rounds, each sees only itself" \
	    "$r" "^rounds=$n users=2 requests=$((2 * n)) "
	expect_match "$name: ... each on one client and one backend connection" \
	    "$r" 'client_conns=alice:1,bob:1 backend_conns=alice:1,bob:1$'
}

ntlm_interleaved() {
	ntlm_rounds "single backend" http://127.0.0.1/whoami ntlm.example.com 200
	ntlm_rounds "roundrobin pool" http://127.0.0.1/whoami pool.example.com 200
	ntlm_rounds "TLS 443 -> 4447" https://127.0.0.1/whoami \
	    lyncweb.example.com 50 --insecure
}

# The access line of an NTLM exchange: curl --ntlm sends type 1 (401 with
# type 2), type 3 (200), then a second URL on the same connection with no
# Authorization at all (200 through the authenticated connection).
ntlm_log_fields() {
	local r l1 l2 all
	r=$(ntlm_get2 ntlm.example.com '/whoami?t=log-1' '/whoami?t=log-2' \
	    --ntlm -u "$NTLM_A")
	expect_match "log: curl's two URLs both answered as alice" "$r" \
	    '^user=RPXTEST\\alice .*'$'\n''user=RPXTEST\\alice '
	sleep 0.3
	l1=$(ntlm_access '/whoami?t=log-1')
	l2=$(ntlm_access '/whoami?t=log-2')
	all=$(printf '%s\n%s\n' "$l1" "$l2")
	expect "log: three access lines for the exchange" \
	    "$(printf '%s\n' "$all" | grep -c 'access client=')" 3
	expect "log: ... all from one client connection" \
	    "$(printf '%s\n' "$all" | ntlm_field client | sort -u | wc -l)" 1
	expect "log: the type-1 request's line has auth=ntlm1/ntlm2" \
	    "$(printf '%s\n' "$l1" | head -1 | ntlm_field auth)" ntlm1/ntlm2
	expect "log: the type-3 request's line has auth=ntlm3/- (no challenge in its 200)" \
	    "$(printf '%s\n' "$l1" | sed -n 2p | ntlm_field auth)" ntlm3/-
	expect "log: the request without Authorization has auth=-/-" \
	    "$(printf '%s\n' "$l2" | ntlm_field auth)" -/-
	r=$(printf '%s\n' "$all" | ntlm_field bconn | sort -u)
	expect_match "log: the three requests share one bconn" "$r" '^[0-9]+-[0-9]+$'
	expect "log: the last request is on a pinned connection (pin=yes)" \
	    "$(printf '%s\n' "$l2" | ntlm_field pin)" yes
}

# A location without authentication is never pinned, and the client's
# keep-alive connection carries both requests.
ntlm_not_pinned() {
	local r all
	r=$(ntlm_get2 ntlm.example.com '/anon?t=np-1' '/anon?t=np-2')
	expect_match "anonymous: both answered" "$r" \
	    '^user=- server=a1 .*'$'\n''user=- server=a1 '
	sleep 0.3
	all=$(tail -n "+$((NTLM_MARK + 1))" "$WORK/rpxd.log" |
	    grep -e ' path=/anon?t=np-1 ' -e ' path=/anon?t=np-2 ')
	expect "anonymous: two access lines" \
	    "$(printf '%s\n' "$all" | grep -c 'access client=')" 2
	expect "anonymous: ... on one keep-alive client connection" \
	    "$(printf '%s\n' "$all" | ntlm_field client | sort -u | wc -l)" 1
	expect "anonymous: ... neither pinned (pin=no)" \
	    "$(printf '%s\n' "$all" | ntlm_field pin | tr '\n' ' ')" "no no "
}

# auth = none: no Authorization reaches the backend, and a backend's NTLM
# challenge is not passed on: the client gets 403.
ntlm_auth_none() {
	local r
	r=$(ntlm_get noauth.example.com /anon -H 'Authorization: NTLM TlRMTVNTUAABAAAABoIIAAAAAAAAAAAAAAAAAAAAAAA=')
	expect_match "auth = none: a client's Authorization: NTLM does not reach the backend" "$r" '^user=- server=a1 .* auth=-$'
	r=$(ntlm_get noauth.example.com /anon -H 'Authorization: Basic YWxpY2U6cHc=')
	expect_match "auth = none: a client's Authorization: Basic does not reach the backend" "$r" '^user=- server=a1 .* auth=-$'
	expect "auth = none: a backend's 401 with WWW-Authenticate: NTLM reaches the client as 403" \
	    "$(ntlm_status noauth.example.com /whoami)" 403
	r=$(ntlm_get noauth.example.com /whoami -D - -o /dev/null | grep -ci '^WWW-Authenticate')
	expect "auth = none: ... without WWW-Authenticate" "$r" 0
	expect "auth = none: curl --ntlm as alice gets 403, not alice" \
	    "$(ntlm_status noauth.example.com /whoami --ntlm -u "$NTLM_A")" 403
}

# ntlm_killed NAME HOST RESTART: authenticate by hand on one connection,
# stop the Apache instance that answered (restarted at once when RESTART
# is 1, so a new backend connection would succeed), then send a request
# without Authorization on the same client connection: it must not go
# over a new, unauthenticated backend connection; the client connection
# is closed (at most after a 502).
ntlm_killed() {
	local name=$1 host=$2 restart=$3 fifo="$WORK/ntlm-killed.fifo"
	local out="$WORK/ntlm-killed.out" cpid fd r inst port
	rm -f "$fifo" "$out"
	mkfifo "$fifo"
	"$NTLM_PY" "$IT/ntlm_client.py" killed http://127.0.0.1/whoami \
	    "$NTLM_A" --host "$host" <"$fifo" >"$out" 2>&1 &
	cpid=$!
	exec {fd}>"$fifo"
	for _ in $(seq 1 100); do
		grep -q -e '^authed' -e 'failed' -e 'Error' "$out" 2>/dev/null && break
		sleep 0.1
	done
	r=$(head -1 "$out")
	expect_match "$name: NTLM by hand through rpxd authenticates alice" "$r" '^authed user=RPXTEST\\alice server=a[12] '
	inst=$(printf '%s\n' "$r" | sed -n 's/.* server=\(a[12]\) .*/\1/p')
	inst=${inst:-a1}
	port=$((8090 + ${inst#a}))
	stop_apache_ntlm "$inst"
	[ "$restart" = 1 ] && start_apache_ntlm "$inst" "$port"
	echo go >&"$fd"
	exec {fd}>&-
	wait "$cpid"
	r=$(tail -1 "$out")
	expect_match "$name: the next request on that connection is not sent over a new backend connection: closed" \
	    "$r" '^(closed|status=502 closed)'
	start_apache_ntlm "$inst" "$port" ||
	    fail "$name: Apache $inst restarts on $port"
}

# post100 URL [options]: ntlm_client.py post100 as alice
post100() {
	local url=$1
	shift
	"$NTLM_PY" "$IT/ntlm_client.py" post100 "$url" "$NTLM_A" "$@" 2>&1
}

# A final response before the whole request body (issue 16, 1): .NET's
# POSTs with Expect: 100-continue get IIS's challenge on the head; the
# login must complete on the connection that got it.
ntlm_early() {
	local r conn lines
	r=$(post100 http://127.0.0.1:8093/ews)
	expect_match "early backend alone: the challenge comes before the body and the login completes" \
	    "$r" '^challenge=401 early=yes kept=yes final=200 user=RPXTEST\\alice '
	r=$(post100 http://127.0.0.1/EWS/Exchange.asmx --host ews.example.com)
	expect_match "Expect: 100-continue, challenge on the head: kept, and the login completes through rpxd" \
	    "$r" '^challenge=401 early=yes kept=yes final=200 user=RPXTEST\\alice .* body=5$'
	conn=$(printf '%s\n' "$r" | sed -n 's/.* conn=\([^ ]*\) .*/\1/p')
	expect "... the challenged body reached the backend on the connection of the login" \
	    "$(grep -c "^$conn POST /EWS/Exchange.asmx HTTP/1.1 type=1 body 5 of 5$" \
	    "$WORK/early_backend.py.log")" 1
	sleep 0.3
	lines=$(ntlm_access /EWS/Exchange.asmx | tail -2)
	expect "... both access lines: pinned, one backend connection" \
	    "$(printf '%s\n' "$lines" | ntlm_field pin | tr '\n' ' ')$(printf '%s\n' "$lines" | ntlm_field bconn | sort -u | wc -l)" "yes yes 1"
	# The backend challenges /late 0.5 s after the head; the client sends
	# its body after 10 ms without a 100 Continue: body first, challenge
	# after it ("early=no").
	r=$(post100 http://127.0.0.1/EWS/late --host ews.example.com --wait 0.01)
	expect_match "Expect, body sent before the challenge arrives: the login completes" \
	    "$r" '^challenge=401 early=no kept=yes final=200 user=RPXTEST\\alice .* body=5$'
	r=$(post100 http://127.0.0.1/EWS/Exchange.asmx --host ews.example.com --no-expect --wait 0.5)
	expect_match "no Expect, body 0.5 s after the head, challenge first: the login completes" \
	    "$r" '^challenge=401 early=yes kept=yes final=200 user=RPXTEST\\alice .* body=5$'
	r=$(post100 http://127.0.0.1/EWS/Exchange.asmx --host ews.example.com --body "$(head -c 70000 /dev/zero | tr '\0' x)")
	expect "a body larger than early-response-body-max after the challenge: Connection: close" \
	    "$r" "challenge=401 early=yes kept=no (Connection: close)"
	check "... and a log line says why" grep -q 'final response before the whole request body .* larger than early-response-body-max' "$WORK/rpxd.log"
	r=$(python3 - <<'PY'
import socket, time
s = socket.create_connection(("127.0.0.1", 80), timeout=10)
s.sendall(b"POST /EWS/slow HTTP/1.1\r\nHost: ews.example.com\r\n"
          b"Authorization: NTLM TlRMTVNTUAABAAAAB4IIogAAAAAAAAAAAAAAAAAAAAAKAGFKAAAADw==\r\n"
          b"Content-Length: 5\r\nExpect: 100-continue\r\n\r\n")
t = time.time(); got = b""
while True:
    d = s.recv(65536)
    if not d:
        break
    got += d
print(got.split(b"\r\n")[0].decode(), "closed after %d s" % round(time.time() - t))
PY
)
	expect "a body that never comes after the challenge: closed after early-response-body-timeout" \
	    "$r" "HTTP/1.1 401 Unauthorized closed after 2 s"
	check "... and a log line says why" grep -q 'did not come within early-response-body-timeout' "$WORK/rpxd.log"
	# Apache httpd (the real NTLM check) reads a body before it answers,
	# and closes after a challenge to an Expect: 100-continue request that
	# it answered without 100 (its keep-alive rule); rpxd passes both on.
	r=$(post100 http://127.0.0.1/whoami --host ntlm.example.com --no-expect --wait 0.3)
	expect_match "Apache, POST with a body: the login completes on one connection" \
	    "$r" '^challenge=401 early=no kept=yes final=200 user=RPXTEST\\alice server=a1 '
	expect "Apache, Expect: 100-continue: its own Connection: close, direct and through rpxd alike" \
	    "$(post100 http://127.0.0.1:8091/whoami) / $(post100 http://127.0.0.1/whoami --host ntlm.example.com)" \
	    "challenge=401 early=yes kept=no (Connection: close) / challenge=401 early=yes kept=no (Connection: close)"
}

ntlm_tests() {
	ntlm_prereqs || return
	make_pki "$P" || { fail "test PKI made"; return; }
	start_apache_ntlm a1 8091 && start_apache_ntlm a2 8092 &&
	    start_apache_ntlm t1 4447 tls && start_python early_backend.py 8093 ||
	    { fail "NTLM backends start on 8091, 8092, 4447 and 8093"; return; }
	ntlm_backend_direct
	ntlm_conf > "$WORK/ntlm.conf"
	if ! start_rpxd "$WORK/ntlm.conf" || ! wait_port 127.0.0.1 443 5; then
		fail "rpxd starts with the NTLM configuration" \
		    "$(tail -3 "$WORK/rpxd.log" | tr '\n' ' ')"
		return
	fi
	ntlm_curl
	ntlm_interleaved
	ntlm_log_fields
	ntlm_not_pinned
	ntlm_auth_none
	ntlm_early
	ntlm_killed "backend restarted" ntlm.example.com 1
	ntlm_killed "pool server stopped" pool.example.com 0
}

ntlm_tests
stop_rpxd
for n in a1 a2 t1; do stop_apache_ntlm "$n"; done
