# Pressure mode (issue 14), on a pool of 6 workers with
# pressure-threshold 50% (3 busy) and pressure-head-timeout 2 s, against
# the Python backend (/slow answers after 5 s, /auth is a 401 NTLM
# challenge):
# - a long poll in flight, a connection in the middle of an NTLM
#   handshake (after its 401) and four idle keep-alive connections: the
#   two idle ones that waited longest are closed (the client sees EOF,
#   the log says why), the handshake and the long poll are not, and the
#   long poll completes; rpxctl status says pressure is on, and the log
#   says it once on entering and once on leaving;
# - slow-header connections that fill the pool are cut after 2 s, not
#   after client-header-timeout (30 s), so curl from another address is
#   served.
PR_PORT=8145
pr_mark() { echo $(( $(cat "$WORK/rpxd.log" 2>/dev/null | wc -l) + 1 )); }
pr_log() { tail -n "+$1" "$WORK/rpxd.log"; }
pr_ctl() { "$TOP/rpxctl" -s "$WORK/rpxd.sock" "$@"; }
pr_json() {
	pr_ctl -j status | python3 -c 'import json,sys; j=json.load(sys.stdin); print('"$1"')'
}

pr_conf() {
	base_conf 2 2 6
	cat <<CONF
pressure-threshold = 50
pressure-head-timeout = 2
client-header-timeout = 30
max-connections-per-address = 0
backend "py" { server = { "127.0.0.1:$PR_PORT" } }
listener "http" {
	address = "127.0.0.1"
	port = 80
	route "all" { backend = "py" }
}
CONF
}

# L: a long poll from 127.0.0.4; A: a 401 NTLM challenge from
# 127.0.0.5, then quiet (mid-handshake); B, C, D, E: one request each
# from 127.0.0.2, then idle, opened in this order. Prints what each saw,
# then holds the open ones until its stdin closes.
pr_write_client() {
	cat > "$WORK/pr_client.py" <<'PY'
import socket, sys, time

def conn(src, path):
    s = socket.socket()
    s.bind((src, 0))
    s.connect(("127.0.0.1", 80))
    s.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path.encode())
    return s

def response(s, timeout):
    """The status line and body of one response, or 'EOF'."""
    s.settimeout(timeout)
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                return "EOF"
            data += chunk
        head, body = data.split(b"\r\n\r\n", 1)
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(body) < length:
            chunk = s.recv(4096)
            if not chunk:
                return "EOF"
            body += chunk
    except socket.timeout:
        return "TIMEOUT"
    except OSError:
        return "EOF"
    return head.split(b"\r\n")[0].decode() + " " + body.decode().strip()

def closed(s, timeout):
    s.settimeout(timeout)
    try:
        return s.recv(1) == b""
    except socket.timeout:
        return False
    except OSError:
        return True

L = conn("127.0.0.4", "/slow")
time.sleep(0.3)
A = conn("127.0.0.5", "/auth")
print("A", response(A, 10), flush=True)
time.sleep(0.3)
idle = {}
for name in "BCDE":
    idle[name] = conn("127.0.0.2", "/small.txt")
    print(name, response(idle[name], 10), flush=True)
    time.sleep(0.4)
for name in "BC":
    print(name, "closed" if closed(idle[name], 5) else "open", flush=True)
for name in "DE":
    print(name, "closed" if closed(idle[name], 0.5) else "open", flush=True)
print("A", "closed" if closed(A, 0.5) else "open", flush=True)
print("L", response(L, 15), flush=True)
for name in "DE":
    idle[name].sendall(b"GET /small.txt HTTP/1.1\r\nHost: x\r\n\r\n")
    print(name, "again", response(idle[name], 10), flush=True)
print("done", flush=True)
sys.stdin.read()
PY
}

pr_idle_tests() {
	local mark fifo client out i
	mark=$(pr_mark)
	start_rpxd "$WORK/pr.conf" || { fail "rpxd starts with pressure-threshold 50"; return; }
	fifo="$WORK/pr.fifo"
	rm -f "$fifo"
	mkfifo "$fifo"
	pr_write_client
	python3 -u "$WORK/pr_client.py" < "$fifo" > "$WORK/pr.out" 2>&1 &
	client=$!
	EXTRA_PIDS+=("$client")
	exec 7>"$fifo"
	for _ in $(seq 1 400); do grep -q '^done' "$WORK/pr.out" && break; sleep 0.1; done
	out=$(tr '\n' ';' < "$WORK/pr.out")
	expect_match "the NTLM challenge and the four requests are answered" \
	    "$out" "^A HTTP/1.1 401 Unauthorized ?;B HTTP/1.1 200 OK small;C HTTP/1.1 200 OK small;D HTTP/1.1 200 OK small;E HTTP/1.1 200 OK small;"
	expect_match "under pressure the two idle keep-alive connections that waited longest are closed (EOF)" \
	    "$out" ";B closed;C closed;"
	expect_match "... the two younger ones are not" "$out" ";D open;E open;"
	expect_match "... nor the connection in the middle of its NTLM handshake" \
	    "$out" ";A open;"
	expect_match "... and the long poll in flight completes" "$out" \
	    ";L HTTP/1.1 200 OK slow;"
	expect_match "... and the open ones are served again" "$out" \
	    ";D again HTTP/1.1 200 OK small;E again HTTP/1.1 200 OK small;"
	check "the master says once that the pool is under pressure" \
	    test "$(pr_log "$mark" | grep -c 'pool: under pressure: [0-9]* of max-workers 6 busy (pressure-threshold 50%)')" = 1
	check "the log says why each idle connection was closed" \
	    test "$(pr_log "$mark" | grep -c 'session: client 127.0.0.2:[0-9]*: idle keep-alive connection closed after [0-9]* s without a request: the pool is under pressure')" = 2
	expect_match "rpxctl status: pressure is on" "$(pr_ctl status)" \
	    "pressure: ON for [0-9]+ s \([0-9]+ of max-workers 6 busy, pressure-threshold 50%\): head timeout 2 s"
	expect "rpxctl -j status: two idle keep-alive connections closed" \
	    "$(pr_json 'j["limits"]["refused"]["pressure_idle"]')" 2
	exec 7>&-
	wait "$client"
	for i in $(seq 1 100); do
		pr_log "$mark" | grep -q 'pool: no longer under pressure' && break
		sleep 0.1
	done
	check "once the clients are gone, the master says pressure is over, once" \
	    test "$(pr_log "$mark" | grep -c 'pool: no longer under pressure: [0-9]* of max-workers 6 busy; it lasted [0-9]* s, with 2 idle keep-alive connection(s) closed')" = 1
	expect_match "rpxctl status: pressure is off" "$(pr_ctl status)" \
	    "pressure: off \([0-9]+ of max-workers 6 busy; on at 3, pressure-threshold 50%\)"
	stop_rpxd
}

# Eight slow-header clients from eight addresses on a pool of six: each
# sends a byte a second and never ends its head.
pr_slow_tests() {
	local mark slow r n
	mark=$(pr_mark)
	start_rpxd "$WORK/pr.conf" || { fail "rpxd starts again"; return; }
	python3 -u - > "$WORK/pr-slow.out" 2>&1 <<'PY' &
import socket, time
conns = []
for i in range(8):
    s = socket.socket()
    s.bind(("127.0.0.%d" % (10 + i), 0))
    s.connect(("127.0.0.1", 80))
    s.sendall(b"GET /small.txt HTTP/1.1\r\nHost: x\r\n")
    s.setblocking(False)
    conns.append(s)
print("open", flush=True)
got = {}
for _ in range(40):
    time.sleep(0.5)
    for i, s in enumerate(conns):
        if i in got:
            continue
        try:
            data = s.recv(4096)
            got[i] = data.split(b"\r\n")[0].decode() if data else "EOF"
        except BlockingIOError:
            try:
                s.send(b"X")
            except OSError:
                got[i] = "EOF"
        except OSError:
            got[i] = "EOF"
    if len(got) == len(conns):
        break
for i in range(len(conns)):
    print(i, got.get(i, "still open"), flush=True)
PY
	slow=$!
	EXTRA_PIDS+=("$slow")
	for _ in $(seq 1 50); do grep -q open "$WORK/pr-slow.out" && break; sleep 0.1; done
	sleep 0.5
	r=$(status_of --max-time 15 --interface 127.0.0.3 -H 'Host: x' http://127.0.0.1/small.txt)
	expect "slow heads fill the pool: curl from 127.0.0.3 is served within 15 s (client-header-timeout is 30)" "$r" 200
	wait "$slow"
	n=$(grep -c 'HTTP/1.1 408' "$WORK/pr-slow.out")
	check "... the slow heads got 408 under pressure ($n of 8)" test "$n" -ge 6
	check "... and the log says pressure-head-timeout cut them" \
	    bash -c "tail -n +$mark '$WORK/rpxd.log' | grep -q '408 Request Timeout: request head not complete within pressure-head-timeout (the pool is under pressure)'"
	r=$(pr_json 'j["limits"]["refused"]["pressure_head"]')
	check "rpxctl -j status counts them ($r)" test "${r:-0}" -ge 6
	stop_rpxd
}

pr_tests() {
	local py
	pr_conf > "$WORK/pr.conf"
	python3 "$IT/health_backend.py" "$PR_PORT" "$WORK/pr-backend.log" \
	    >>"$WORK/pr-backend.out" 2>&1 &
	py=$!
	EXTRA_PIDS+=("$py")
	wait_port 127.0.0.1 "$PR_PORT" 5 || { fail "the Python backend starts"; return; }
	pr_idle_tests
	pr_slow_tests
	kill "$py" 2>/dev/null
	wait "$py" 2>/dev/null
}

pr_tests
