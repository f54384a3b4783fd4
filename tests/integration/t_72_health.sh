# Active health checks (rpxd-health): a pool of nginx 8080 and a Python
# server on 8096 that the test stops and starts again (DOWN and UP lines
# within fall and rise intervals, requests keep working and reach it
# again), a 401 that is healthy because it is expected, a chunked body
# that matches, a body that does not, a server too slow for the timeout,
# HTTPS checks against the nginx TLS backends (a good certificate, by name
# and by IP SAN, and an expired one); the checker runs unprivileged and
# chrooted, is replaced on reload and restarted when killed.
# Takes about 30 s.
start_nginx_tls || fail "nginx TLS backends start on 4443..4446"
P=$WORK/pki
H_MARK=0
[ -f "$WORK/rpxd.log" ] && H_MARK=$(wc -l < "$WORK/rpxd.log")
H2_LOG=$WORK/health_8096.log
H3_LOG=$WORK/health_8094.log

# What rpxd logged since this test began.
h_log() { tail -n "+$((H_MARK + 1))" "$WORK/rpxd.log"; }
h_log_has() { h_log | grep -q -- "$1"; }
h_log_count() { h_log | grep -c -- "$1"; }

# wait_log REGEX SECONDS: prints the milliseconds it took to appear.
wait_log() {
	local start i
	start=$(date +%s%N)
	for ((i = 0; i < $2 * 20; i++)); do
		if h_log_has "$1"; then
			echo $((($(date +%s%N) - start) / 1000000))
			return 0
		fi
		sleep 0.05
	done
	return 1
}

log_within() { wait_log "$1" "$2" >/dev/null; }

checker() { pgrep -P "$RPXD_PID" -x rpxd-health; }

# wait_checker OLD SECONDS: a checker other than OLD runs; prints its pid.
wait_checker() {
	local i p
	for ((i = 0; i < $2 * 10; i++)); do
		for p in $(checker); do
			if [ "$p" != "$1" ]; then echo "$p"; return 0; fi
		done
		sleep 0.1
	done
	return 1
}

start_h2() {
	python3 "$IT/health_backend.py" 8096 "$H2_LOG" \
	    >>"$WORK/health_backend.out" 2>&1 &
	H2_PID=$!
	EXTRA_PIDS+=("$H2_PID")
	wait_port 127.0.0.1 8096 5
}

stop_h2() {
	kill "$H2_PID" 2>/dev/null
	wait "$H2_PID" 2>/dev/null
	for _ in $(seq 1 50); do
		(exec 3<>/dev/tcp/127.0.0.1/8096) 2>/dev/null || return 0
		sleep 0.1
	done
	return 1
}

health_conf() {
	base_conf
	cat <<CONF
backend "pool" {
	server = { "127.0.0.1:8080", "127.0.0.1:8096" }
	down-time = 0
	health-check { path = "/small.txt" interval = 1 timeout = 1 rise = 2 fall = 2 }
}
backend "auth" {
	server = { "127.0.0.1:8094" }
	health-check { path = "/auth" status = { 401 } interval = 1 timeout = 1 fall = 1 }
}
backend "chunked" {
	server = { "127.0.0.1:8094" }
	health-check {
		path = "/chunked"
		host = "health.example.com"
		body = "all is well"
		interval = 1
		timeout = 1
		fall = 1
	}
}
backend "mismatch" {
	server = { "127.0.0.1:8080" }
	health-check { path = "/small.txt" body = "200 OK" interval = 1 timeout = 1 fall = 2 }
}
backend "slow" {
	server = { "127.0.0.1:8094" }
	health-check { path = "/slow" interval = 2 timeout = 1 fall = 1 }
}
backend "fe" {
	server = { "127.0.0.1:4443" }
	tls = yes
	ca-file = "$P/ca.pem"
	verify-name = "fe01.corp.local"
	sni = "fe01.corp.local"
	health-check { path = "/fe" interval = 1 timeout = 1 fall = 1 }
}
backend "fe-ip" {
	server = { "127.0.0.1:4443" }
	tls = yes
	ca-file = "$P/ca.pem"
	health-check { path = "/fe-ip" interval = 1 timeout = 1 fall = 1 }
}
backend "fe-expired" {
	server = { "127.0.0.1:4444" }
	tls = yes
	ca-file = "$P/ca.pem"
	verify-name = "fe01.corp.local"
	health-check { path = "/" interval = 1 timeout = 1 fall = 1 }
}
listener "http" {
	address = "127.0.0.1"
	port = 80
	route "pool" { backend = "pool" }
	route "mismatch" { host = { "down.example.com" } backend = "mismatch" }
}
CONF
}

start_h2 || fail "the pool's second server starts on 8096"
python3 "$IT/health_backend.py" 8094 "$H3_LOG" \
    >>"$WORK/health_backend.out" 2>&1 &
H3_PID=$!
EXTRA_PIDS+=("$H3_PID")
wait_port 127.0.0.1 8094 5 || fail "the static health backend starts on 8094"
health_conf > "$WORK/health.conf"
start_rpxd "$WORK/health.conf" || fail "rpxd starts with health checks"

# The checker process: its own, unprivileged, chrooted, not the master.
hc=$(wait_checker none 5)
check "rpxd-health runs as a child of the master" test -n "$hc"
check "the checker is not the master" test "${hc:-x}" != "$RPXD_PID"
expect "the checker runs as the unprivileged user" \
    "$(ps -o user= -p "${hc:-0}" | tr -d ' ')" nobody
expect "the checker is chrooted to the empty directory" \
    "$(readlink "/proc/${hc:-0}/root")" "$WORK/empty"

# Failing checks, each with its reason.
check "a body mismatch goes DOWN with the reason" log_within \
    'health: backend "mismatch" server 127.0.0.1:8080: DOWN after 2 failed checks: body does not contain "200 OK"' 8
check "an expired certificate goes DOWN with the verification reason" \
    log_within 'health: backend "fe-expired" server 127.0.0.1:4444: DOWN after 1 failed check: TLS handshake: certificate verify failed: certificate has expired' 6
check "a server slower than the timeout goes DOWN" log_within \
    'health: backend "slow" server 127.0.0.1:8094: DOWN after 1 failed check: timeout after 1 s' 6
r=$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: down.example.com' \
    http://127.0.0.1/small.txt)
expect "a backend whose every server is checked down answers 503" "$r" 503
check "... with a log line" log_within 'backend "mismatch" server -: 503 Service Unavailable: every server of the backend is down' 2
sleep 1
for be in pool auth chunked fe fe-ip; do
	expect "healthy backend \"$be\" stays up" \
	    "$(h_log_count "health: backend \"$be\" .*DOWN")" 0
done
check "the 401 check reached its server (and 401 is healthy)" \
    grep -q '^GET /auth 401 127.0.0.1:8094 rpxd-health$' "$H3_LOG"
check "the body check sends the configured Host" \
    grep -q '^GET /chunked 200 health.example.com rpxd-health$' "$H3_LOG"
check "the pool's check sends the server's host:port" \
    grep -q '^GET /small.txt 200 127.0.0.1:8096 rpxd-health$' "$H2_LOG"
check "HTTPS checks reached the TLS backend" \
    grep -q '"GET /fe-ip HTTP/1.1" 200 .*"rpxd-health"' \
    "$WORK/nginx-tls/logs/access.log"

# Stop the pool's second server: DOWN within fall * interval (+ slack).
stop_h2 || fail "the pool's second server stops"
ms=$(wait_log 'health: backend "pool" server 127.0.0.1:8096: DOWN after 2 failed checks: connect: Connection refused' 6)
check "a stopped server goes DOWN within 2*fall*interval+2 s" test -n "$ms"
echo "     timing: DOWN logged ${ms:-?} ms after the server stopped"
# down-time = 0: only the health mark keeps workers away from it.
attempts=$(h_log_count 'server 127.0.0.1:8096: connect failed')
fails=0
for i in $(seq 1 50); do
	[ "$(status_of "http://127.0.0.1/down$i")" = 200 ] || fails=$((fails + 1))
done
expect "50 requests while a server is down all get 200" "$fails" 0
expect "workers skip the DOWN server (no connect attempts to it)" \
    "$(($(h_log_count 'server 127.0.0.1:8096: connect failed') - attempts))" 0

# Start it again: UP within rise * interval (+ slack), and it serves.
start_h2 || fail "the pool's second server starts again"
ms=$(wait_log 'health: backend "pool" server 127.0.0.1:8096: UP after 2 good checks (status 200)' 6)
check "a restarted server comes UP within 2*rise*interval+2 s" test -n "$ms"
echo "     timing: UP logged ${ms:-?} ms after the server started"
hits=0
for i in $(seq 1 30); do
	r=$(curl -s --max-time 10 "http://127.0.0.1/up$i")
	[[ $r == backend=H8096* ]] && hits=$((hits + 1))
done
check "requests reach the server again once it is up ($hits of 30)" \
    test "$hits" -gt 0
check "the server's access log shows them" \
    grep -q '^GET /up[0-9]* 200 127.0.0.1 curl' "$H2_LOG"

# Reload: the old checker goes, a new one checks the new board, and the
# states carry over (no second DOWN line for what is still down).
old=$(checker)
kill -HUP "$RPXD_PID"
new=$(wait_checker "$old" 5)
check "after a reload a new checker runs" test -n "$new"
sleep 0.5
check "after a reload the old checker is gone" test ! -e "/proc/${old:-0}"
expect "the new checker runs as the unprivileged user" \
    "$(ps -o user= -p "${new:-0}" | tr -d ' ')" nobody
sleep 2.5
expect "a reload carries the DOWN state over (no second DOWN line)" \
    "$(h_log_count 'backend "mismatch" .*DOWN')" 1

# A killed checker is logged and restarted.
kill -9 "${new:-0}"
check "a killed checker is logged" log_within \
    "health: checker ${new:-0} killed by signal 9; restarting it in 1 s" 3
again=$(wait_checker "$new" 5)
check "a killed checker is restarted" test -n "$again"

stop_rpxd
check "the checker stops with rpxd" test ! -e "/proc/${again:-0}"
# Later tests may use these ports for servers that must not answer.
stop_h2
kill "$H3_PID" 2>/dev/null
wait "$H3_PID" 2>/dev/null
