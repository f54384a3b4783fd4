# Backend connections kept across client connections (issue 15): with one
# worker, successive client connections are served over the same backend
# connection, plain and TLS (no second handshake), as the backend itself
# sees it (reuse_backend.py numbers its connections; nginx logs
# $connection) and as the access line's bconn= and reused= show; never one
# that NTLM pinned (reuse_backend.py's NTLM challenge, and a real NTLM
# login against Apache), one whose response said Connection: close or
# carried bytes past its end, or one of another backend; a kept connection
# that the server closed is not used, and a GET on one that the server
# drops before answering is retried on a new connection, while a POST is
# never sent on one another client left and, on its own kept connection,
# gets 502 rather than a retry (RFC 9110 9.2.2); idle connections are not
# counted as active (rpxctl status, leastconn); backend-idle-timeout (also
# for the backend connection of a client that holds its connection quiet,
# never a pinned one) and backend-idle-connections = 0.
. "$IT/tls_pki.sh"
. "$IT/apache_ntlm.sh"
P=$WORK/pki
RB_LOG=$WORK/reuse_backend.py.log
RB_NGINX=$WORK/nginx-reuse

# rb_start FILE: rpxd with its single worker (start_rpxd waits for two).
rb_start() {
	"$TOP/rpxd" -d -f "$1" -W "$TOP/rpxd-worker" >>"$WORK/rpxd.log" 2>&1 &
	RPXD_PID=$!
	wait_port 127.0.0.1 80 5 && wait_workers 1 5
}

# rb_get HOST PATH [curl options]: the body through rpxd
rb_get() {
	local h=$1 p=$2
	shift 2
	curl -s --max-time 10 --resolve "$h:80:127.0.0.1" "$@" "http://$h$p"
}
# rb_conn: the backend's connection number (conn=N, or nginx's) in a body
rb_conn() { sed -n 's/^conn=\([0-9]*\) .*/\1/p'; }
# rb_access PATH: rpxd's access lines since MARK for PATH
rb_access() {
	tail -n "+$((RB_MARK + 1))" "$WORK/rpxd.log" | grep -F -- " path=$1 " |
	    grep -- 'access client='
}
rb_field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }
rb_since() { tail -n "+$((RB_MARK + 1))" "$WORK/rpxd.log"; }
rb_json() {	# python expression on `rpxctl -j status` as j
	"$TOP/rpxctl" -s "$WORK/rpxd.sock" -j status |
	    python3 -c 'import json,sys; j=json.load(sys.stdin); print('"$1"')'
}

# A TLS nginx of its own that names each TCP connection in its answer.
rb_nginx_tls() {
	make_pki "$P" || return 1
	mkdir -p "$RB_NGINX/logs" "$RB_NGINX/tmp"
	chmod 777 "$RB_NGINX/tmp"
	cat > "$RB_NGINX/nginx.conf" <<CONF
worker_processes 1;
error_log $RB_NGINX/logs/error.log;
events { worker_connections 64; }
http {
    log_format conns '\$connection \$connection_requests \$ssl_server_name \$request_uri';
    access_log $RB_NGINX/logs/access.log conns;
    client_body_temp_path $RB_NGINX/tmp;
    proxy_temp_path $RB_NGINX/tmp;
    fastcgi_temp_path $RB_NGINX/tmp;
    uwsgi_temp_path $RB_NGINX/tmp;
    scgi_temp_path $RB_NGINX/tmp;
    keepalive_timeout 75s;
    default_type text/plain;
    server {
        listen 127.0.0.1:4477 ssl;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_certificate $P/fe01.pem;
        ssl_certificate_key $P/fe01.key;
        location / {
            return 200 "conn=\$connection reqs=\$connection_requests sni=\$ssl_server_name\n";
        }
    }
}
CONF
	nginx -c "$RB_NGINX/nginx.conf" -p "$RB_NGINX" \
	    -g "pid $RB_NGINX/nginx.pid;" || return 1
	wait_pidfile "$RB_NGINX/nginx.pid" || return 1
	EXTRA_PIDS+=("$(cat "$RB_NGINX/nginx.pid")")
	wait_port 127.0.0.1 4477 5
}

rb_conf() {	# extra global lines
	base_conf 1 1 1
	# One worker is always "all busy": no pressure mode, which would
	# close a client's idle keep-alive connection under the tests.
	cat <<CONF
pressure-threshold = 0
$1
backend "py" { server = { "127.0.0.1:8177" } }
backend "py2" { server = { "127.0.0.1:8177" } }
backend "tls" {
	server = { "127.0.0.1:4477" }
	tls = yes
	ca-file = "$P/ca.pem"
	verify-name = "fe01.corp.local"
	sni = "fe01.corp.local"
}
backend "tls-ip" {
	server = { "127.0.0.1:4477" }
	tls = yes
	ca-file = "$P/ca.pem"
}
backend "ntlm" { server = { "127.0.0.1:8178" } }
listener "http" {
	address = "127.0.0.1"
	port = 80
	route "py" { host = { "py.example.com" } backend = "py" }
	route "py2" { host = { "py2.example.com" } backend = "py2" }
	route "tls" { host = { "tls.example.com" } backend = "tls" }
	route "tlsip" { host = { "tlsip.example.com" } backend = "tls-ip" }
	route "ntlm" { host = { "ntlm.example.com" } backend = "ntlm" }
}
CONF
}

# Plain: the same backend connection for the next clients, as both the
# backend and the access log see it; not counted as active while idle.
rb_plain() {
	local a b c la lb
	a=$(rb_get py.example.com /p1 | rb_conn)
	b=$(rb_get py.example.com /p2 | rb_conn)
	c=$(rb_get py.example.com /p3 | rb_conn)
	check "plain: the backend answered three client connections ($a $b $c)" \
	    test -n "$a" -a -n "$b" -a -n "$c"
	expect "plain: three client connections, one backend connection" \
	    "$b $c" "$a $a"
	la=$(rb_access /p1)
	lb=$(rb_access /p2)
	check "plain: two client addresses in the access lines" test \
	    "$(printf '%s\n' "$la" | rb_field client)" != \
	    "$(printf '%s\n' "$lb" | rb_field client)"
	expect "plain: ... with the same bconn" \
	    "$(printf '%s\n' "$lb" | rb_field bconn)" \
	    "$(printf '%s\n' "$la" | rb_field bconn)"
	expect "plain: reused= says new, then reused" \
	    "$(printf '%s\n' "$la" | rb_field reused)/$(printf '%s\n' "$lb" |
	    rb_field reused)" "no/yes"
	expect "plain: the kept connection is not counted as active" \
	    "$(rb_json '[(s["active"],s["pinned"]) for b in j["backends"] for s in b["servers"] if b["name"]=="py"]')" \
	    "[(0, 0)]"
	check "plain: ... and is still open at the backend" \
	    test "$(rb_get py.example.com /p4 | rb_conn)" = "$a"
}

# Only for the same backend: py2 names the same server, yet its requests
# get a connection of their own.
rb_other_backend() {
	local a b c
	a=$(rb_get py.example.com /o1 | rb_conn)
	b=$(rb_get py2.example.com /o2 | rb_conn)
	c=$(rb_get py2.example.com /o3 | rb_conn)
	check "keyed by backend: another backend of the same server gets its own ($a $b)" \
	    test -n "$a" -a -n "$b" -a "$a" != "$b"
	expect "keyed by backend: ... which it keeps in turn" "$c" "$b"
}

# TLS: one handshake for several clients; another SNI/verify-name (the
# same server in another backend) never shares it.
rb_tls() {
	local a b c d n
	a=$(rb_get tls.example.com /t1)
	b=$(rb_get tls.example.com /t2)
	c=$(rb_get tls.example.com /t3)
	expect_match "TLS: answered, with the configured SNI" "$a" \
	    '^conn=[0-9]+ reqs=1 sni=fe01.corp.local$'
	expect "TLS: the next clients come on the same TLS connection" \
	    "$(rb_conn <<<"$b")/$(rb_conn <<<"$c")" \
	    "$(rb_conn <<<"$a")/$(rb_conn <<<"$a")"
	expect_match "TLS: ... as its third request" "$c" ' reqs=3 '
	n=$(grep -c ' /t[123]$' "$RB_NGINX/logs/access.log")
	expect "TLS: nginx logged the three on one connection" \
	    "$(grep ' /t[123]$' "$RB_NGINX/logs/access.log" | cut -d' ' -f1 |
	    sort -u | wc -l)/$n" "1/3"
	d=$(rb_get tlsip.example.com /t4)
	expect_match "TLS: another backend's TLS names get their own connection" \
	    "$d" '^conn=[0-9]+ reqs=1 sni=$'
	check "TLS: ... not the fe01.corp.local one" \
	    test "$(rb_conn <<<"$d")" != "$(rb_conn <<<"$a")"
}

# Pinned: a connection-bound challenge makes the backend connection the
# client's, never the next client's.
rb_pinned() {
	local a b c
	a=$(rb_get py.example.com /pin0 | rb_conn)
	b=$(rb_get py.example.com /ntlm1 | rb_conn)
	expect "pin: the challenge came on the kept connection" "$b" "$a"
	check "pin: the challenge pinned it" bash -c "tail -n +$((RB_MARK + 1)) \
	    '$WORK/rpxd.log' | grep -F ' path=/ntlm1 ' | grep -q ' pin=yes '"
	c=$(rb_get py.example.com /pin2 | rb_conn)
	check "pin: the next client gets another connection ($b then $c)" \
	    test -n "$c" -a "$c" != "$b"
}

# A real NTLM login (Apache, gss-ntlmssp) on a connection another client
# left: it is never handed on afterwards.
rb_ntlm_apache() {
	local why= a b w c
	[ -x "$APACHE_BIN" ] || why="$why apache2"
	[ -f "$APACHE_MODULES/mod_auth_gssapi.so" ] ||
	    why="$why libapache2-mod-auth-gssapi"
	grep -qs gssntlmssp /etc/gss/mech /etc/gss/mech.d/*.conf ||
	    why="$why gss-ntlmssp"
	if [ -n "$why" ]; then
		fail "NTLM: prerequisites installed" "missing$why"
		return
	fi
	start_apache_ntlm reuse 8178 || { fail "NTLM: Apache starts"; return; }
	a=$(rb_get ntlm.example.com /anon | sed -n 's/.* conn=\([^ ]*\) .*/\1/p')
	b=$(rb_get ntlm.example.com /anon | sed -n 's/.* conn=\([^ ]*\) .*/\1/p')
	check "NTLM: anonymous clients share a backend connection ($a $b)" \
	    test -n "$a" -a "$a" = "$b"
	w=$(rb_get ntlm.example.com /whoami --ntlm -u "RPXTEST\\alice:$NTLM_ALICE_PW")
	expect_match "NTLM: curl --ntlm logs in through rpxd" "$w" \
	    '^user=RPXTEST\\alice server=reuse conn='
	c=$(rb_get ntlm.example.com /anon)
	expect_match "NTLM: the next client is anonymous" "$c" '^user=- '
	check "NTLM: ... on another connection than the login's" test \
	    "$(sed -n 's/.* conn=\([^ ]*\) .*/\1/p' <<<"$c")" != \
	    "$(sed -n 's/.* conn=\([^ ]*\) .*/\1/p' <<<"$w")"
	check "NTLM: the login's bconn is not the next client's" test \
	    "$(rb_access /whoami | tail -1 | rb_field bconn)" != \
	    "$(rb_access /anon | tail -1 | rb_field bconn)"
	stop_apache_ntlm reuse
}

# Responses that leave the connection unfit for another request.
rb_unclean() {
	local a b c d
	a=$(rb_get py.example.com /keepclose1 | rb_conn)
	b=$(rb_get py.example.com /u2 | rb_conn)
	check "Connection: close from the backend: not kept ($a then $b)" \
	    test -n "$b" -a "$a" != "$b"
	c=$(rb_get py.example.com /extra3 | rb_conn)
	d=$(rb_get py.example.com /u4 | rb_conn)
	check "bytes past the response's end: not kept ($c then $d)" \
	    test -n "$d" -a "$c" != "$d"
	a=$(rb_get py.example.com /bye5 | rb_conn)
	sleep 1
	b=$(rb_get py.example.com /u6 -o /dev/null -w '%{http_code}')
	expect "a kept connection the server closed meanwhile: not used, 200" \
	    "$b" 200
	check "... and no retry was needed" bash -c "! tail -n \
	    +$((RB_MARK + 1)) '$WORK/rpxd.log' | grep -F 'retrying' | grep -q /u6"
}

# The server drops a kept connection as the request arrives.
rb_retry() {
	local a r l post
	a=$(rb_get py.example.com /r0 | rb_conn)
	r=$(rb_get py.example.com /race1 -w 'status=%{http_code}' | tr '\n' ' ')
	expect_match "retry: a GET on a dropped kept connection gets 200" "$r" \
	    '^conn=[0-9]+ req=1 method=GET path=/race1 body=0 status=200$'
	check "retry: the backend saw it on $a first" \
	    grep -q "^$a [0-9]* GET /race1\$" "$RB_LOG"
	check "retry: logged" bash -c "tail -n +$((RB_MARK + 1)) \
	    '$WORK/rpxd.log' | grep -q 'backend \"py\" server 127.0.0.1:8177: backend closed the connection before a response on kept connection [0-9]*-[0-9]*; retrying the GET on a new connection'"
	l=$(rb_access /race1)
	expect "retry: one access line, on the new connection" \
	    "$(printf '%s\n' "$l" | wc -l) $(printf '%s\n' "$l" | rb_field reused)" \
	    "1 no"
	r=$(rb_get py.example.com /rst2 -w 'status=%{http_code}' | tr '\n' ' ')
	expect_match "retry: a reset instead of a close, the same" "$r" \
	    '^conn=[0-9]+ req=1 method=GET path=/rst2 body=0 status=200$'
	# POST is not idempotent: never on a connection another client left.
	a=$(rb_get py.example.com /r3 | rb_conn)
	post=$(rb_get py.example.com /race4 -d 'a=1&b=2' -w 'status=%{http_code}' | tr '\n' ' ')
	expect_match "POST: sent on a new connection, never a kept one: 200" \
	    "$post" '^conn=[0-9]+ req=1 method=POST path=/race4 body=7 status=200$'
	check "POST: ... not on $a" test "$(rb_conn <<<"$post")" != "$a"
	# ... and on the client's own kept connection, not retried: 502.
	r=$(curl -s --max-time 10 --resolve py.example.com:80:127.0.0.1 \
	    -o /dev/null -w '%{http_code} ' http://py.example.com/r5 \
	    --next -d 'a=1' -o /dev/null -w '%{http_code}' \
	    http://py.example.com/race6)
	expect "POST on its client's kept connection dropped by the server: 502, not retried" \
	    "$r" "200 502"
	check "POST: the 502 says why" bash -c "tail -n +$((RB_MARK + 1)) \
	    '$WORK/rpxd.log' | grep -q 'not retried: the method is not idempotent'"
	expect "POST: the backend saw it once" \
	    "$(grep -c ' POST /race6$' "$RB_LOG")" 1
}

start_python reuse_backend.py 8177 || fail "reuse_backend.py starts"
rb_nginx_tls || fail "nginx TLS backend on 4477 starts"
rb_conf "" > "$WORK/reuse.conf"
RB_MARK=0
[ -f "$WORK/rpxd.log" ] && RB_MARK=$(wc -l < "$WORK/rpxd.log")
if rb_start "$WORK/reuse.conf"; then
	rb_plain
	rb_other_backend
	rb_tls
	rb_pinned
	rb_ntlm_apache
	rb_unclean
	rb_retry
else
	fail "rpxd starts with one worker"
fi
stop_rpxd

# backend-idle-timeout: the connection is closed by rpxd once idle that
# long (the backend sees it go while the worker waits for clients), and
# the next client gets a new one.
rb_conf 'backend-idle-timeout = 1
log-level = "debug"' > "$WORK/reuse-t.conf"
RB_MARK=$(wc -l < "$WORK/rpxd.log")
if rb_start "$WORK/reuse-t.conf"; then
	a=$(rb_get py.example.com /i1 | rb_conn)
	b=$(rb_get py.example.com /i2 | rb_conn)
	expect "idle timeout: reused within it" "$b" "$a"
	sleep 2.5
	check "idle timeout: rpxd closed the idle connection by itself" \
	    grep -q "^eof $a\$" "$RB_LOG"
	c=$(rb_get py.example.com /i3 | rb_conn)
	check "idle timeout: a new connection after it ($a then $c)" \
	    test -n "$c" -a "$c" != "$a"
	check "idle timeout: rpxd closed it, logged at debug" bash -c \
	    "tail -n +$((RB_MARK + 1)) '$WORK/rpxd.log' | grep -q \
	    'closed: backend-idle-timeout'"
	# ... also while another client holds the worker: a client of py2
	# waits (up to 10 s) on its open connection for the backend to see
	# the idle py connection closed, then sends its next request.
	a=$(rb_get py.example.com /i4 | rb_conn)
	r=$(python3 - "$RB_LOG" "$a" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", 80))
s.sendall(b"GET /i5 HTTP/1.1\r\nHost: py2.example.com\r\n\r\n")
s.recv(4096)
seen = "open"
for _ in range(100):
    if "eof " + sys.argv[2] in open(sys.argv[1]).read().splitlines():
        seen = "closed"
        break
    time.sleep(0.1)
s.sendall(b"GET /i6 HTTP/1.1\r\nHost: py2.example.com\r\n\r\n")
print(seen, s.recv(4096).split(b"\r\n")[0].decode())
PY
)
	expect "idle timeout: also closed while the worker serves another client" \
	    "$r" "closed HTTP/1.1 200 OK"
	# ... and while its own client holds its connection quiet (issue 14:
	# a held client does not hold a backend connection too), but never a
	# pinned one: each client waits 2.5 s on its open connection, then
	# asks again on it.
	r=$(python3 - "$RB_LOG" <<'PY'
import re, socket, sys, time
def ask(s, path):
    s.sendall(b"GET " + path + b" HTTP/1.1\r\nHost: py.example.com\r\n\r\n")
    data = b""
    while b"\r\n\r\n" not in data:
        data += s.recv(4096)
    head, body = data.split(b"\r\n\r\n", 1)
    n = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))
    while len(body) < n:
        body += s.recv(4096)
    return head.split(b"\r\n")[0].decode(), re.match(rb"conn=(\d+)", body).group(1).decode()
out = []
for first in (b"/q1", b"/ntlmq"):
    s = socket.create_connection(("127.0.0.1", 80))
    _, a = ask(s, first)
    time.sleep(2.5)
    gone = "eof " + a in open(sys.argv[1]).read().splitlines()
    status, b = ask(s, b"/q2")
    out.append("%s %s %s" % ("closed" if gone else "open", status.split(" ", 1)[1], "same" if a == b else "new"))
    s.close()
print(" / ".join(out))
PY
)
	expect "idle timeout: a quiet client's backend connection closed, a new one for its next request; a pinned one kept" \
	    "$r" "closed 200 OK new / open 200 OK same"
else
	fail "rpxd starts with backend-idle-timeout = 1"
fi
stop_rpxd

# backend-idle-connections = 0: no connection outlives its client.
rb_conf "backend-idle-connections = 0" > "$WORK/reuse-0.conf"
RB_MARK=$(wc -l < "$WORK/rpxd.log")
if rb_start "$WORK/reuse-0.conf"; then
	a=$(rb_get py.example.com /z1 | rb_conn)
	b=$(rb_get py.example.com /z2 | rb_conn)
	check "backend-idle-connections = 0: a new connection per client ($a $b)" \
	    test -n "$a" -a -n "$b" -a "$a" != "$b"
else
	fail "rpxd starts with backend-idle-connections = 0"
fi
stop_rpxd

# Bad values: file:line errors.
printf '%s\nbackend-idle-connections = 65\n' "$(rb_conf "")" > "$WORK/reuse-bad.conf"
out=$("$TOP/rpxd" -n -f "$WORK/reuse-bad.conf" 2>&1)
expect_match "backend-idle-connections = 65: refused with file:line" "$out" \
    "reuse-bad.conf:[0-9]+: .*backend-idle-connections"
printf '%s\nbackend-idle-timeout = -1\n' "$(rb_conf "")" > "$WORK/reuse-bad.conf"
out=$("$TOP/rpxd" -n -f "$WORK/reuse-bad.conf" 2>&1)
expect_match "backend-idle-timeout = -1: refused with file:line" "$out" \
    "reuse-bad.conf:[0-9]+: .*backend-idle-timeout"
