# max-connections-per-address (issue 14): a client that opens keep-alive
# connections from 127.0.0.2 one after another is refused once it holds
# the limit (the connection closes without a response), while curl from
# 127.0.0.3 is still served; the refusal is logged once (not once per
# connection) and counted, and rpxctl status shows 127.0.0.2 as the
# busiest address. Then slow-header and silent connections at twice the
# pool size from one address leave the pool to another address (a burst
# may pass the limit for one pool tick, the age of the counts the
# workers read; then its youngest connections beyond it are closed).
al_mark() { echo $(( $(cat "$WORK/rpxd.log" 2>/dev/null | wc -l) + 1 )); }
al_log() { tail -n "+$1" "$WORK/rpxd.log"; }
al_ctl() { "$TOP/rpxctl" -s "$WORK/rpxd.sock" "$@"; }
al_json() {	# python expression on the JSON status j
	al_ctl -j status | python3 -c 'import json,sys; j=json.load(sys.stdin); print('"$1"')'
}

al_conf() {	# MIN MAX-SPARE MAX LIMIT
	base_conf "$1" "$2" "$3"
	cat <<CONF
max-connections-per-address = $4
backend "siteA" { server = { "127.0.0.1:8080" } }
listener "http" {
	address = "127.0.0.1"
	port = 80
	route "all" { backend = "siteA" }
}
CONF
}

# The client of 127.0.0.2: keep-alive connections, each after one
# request, held open, until one is closed without a response; after each
# it waits until rpxctl status counts it and two pool ticks have gone,
# so that the master has published the count. Prints "served N" and
# "refused", then holds the connections until its stdin closes.
al_client() {
	cat > "$WORK/al_client.py" <<'PY'
import json, socket, subprocess, sys, time
ctl, sock = sys.argv[1], sys.argv[2]

def held():
    out = subprocess.run([ctl, "-s", sock, "-j", "status"],
                         capture_output=True, text=True).stdout
    for a in json.loads(out)["limits"]["busiest_addresses"]:
        if a["address"] == "127.0.0.2":
            return a["connections"]
    return 0

conns = []
while len(conns) < 64:
    s = socket.socket()
    s.bind(("127.0.0.2", 0))
    s.settimeout(10)
    s.connect(("127.0.0.1", 80))
    s.sendall(b"GET /small.txt HTTP/1.1\r\nHost: x\r\n\r\n")
    try:
        got = s.recv(4096)
    except ConnectionResetError:
        got = b""
    if not got.startswith(b"HTTP/1.1 200"):
        print("refused", flush=True)
        break
    conns.append(s)
    for _ in range(100):
        if held() >= len(conns):
            break
        time.sleep(0.05)
    time.sleep(0.25)
print("served", len(conns), flush=True)
sys.stdin.read()
PY
	python3 -u "$WORK/al_client.py" "$TOP/rpxctl" "$WORK/rpxd.sock"
}

al_limit_tests() {
	local mark out fifo client r n
	al_conf 2 4 16 4 > "$WORK/al.conf"
	mark=$(al_mark)
	start_rpxd "$WORK/al.conf" || { fail "rpxd starts with max-connections-per-address = 4"; return; }
	fifo="$WORK/al.fifo"
	rm -f "$fifo"
	mkfifo "$fifo"
	al_client < "$fifo" > "$WORK/al.out" 2>&1 &
	client=$!
	EXTRA_PIDS+=("$client")
	exec 7>"$fifo"
	for _ in $(seq 1 200); do grep -q served "$WORK/al.out" && break; sleep 0.1; done
	out=$(tr '\n' ' ' < "$WORK/al.out")
	expect "127.0.0.2 is served 4 keep-alive connections, then refused" \
	    "$out" "refused served 4 "
	r=$(status_of --interface 127.0.0.3 -H 'Host: x' http://127.0.0.1/small.txt)
	expect "... while curl from 127.0.0.3 gets 200" "$r" 200
	check "... the refusal is logged with the address and the limit" \
	    bash -c "tail -n +$mark '$WORK/rpxd.log' | grep -q 'limits: client 127.0.0.2 holds 4 connection(s), max-connections-per-address is 4: connection refused'"
	# Twenty more refusals at once: no line each.
	python3 - <<'PY'
import socket
for _ in range(20):
    s = socket.socket()
    s.bind(("127.0.0.2", 0))
    s.settimeout(10)
    s.connect(("127.0.0.1", 80))
    s.sendall(b"GET /small.txt HTTP/1.1\r\nHost: x\r\n\r\n")
    try:
        s.recv(4096)
    except OSError:
        pass
    s.close()
PY
	sleep 0.5
	n=$(al_log "$mark" | grep -c 'limits: client 127.0.0.2 holds')
	expect "... 21 refusals within 10 s make one line" "$n" 1
	out=$(al_ctl status)
	expect_match "rpxctl status shows the refusals by reason" "$out" \
	    "refused or closed 21 \(21 over the per-address limit, 0 slow heads and 0 idle keep-alive under pressure\)"
	expect_match "rpxctl status shows 127.0.0.2 as the busiest address" \
	    "$out" "busiest client addresses: 127.0.0.2 \(4\)"
	expect "rpxctl -j status: refused per address" \
	    "$(al_json 'j["limits"]["refused"]["per_address"]')" 21
	for _ in $(seq 1 150); do
		al_log "$mark" | grep -q 'limits: client 127.0.0.2: 20 more connection(s) refused in the last' && break
		sleep 0.1
	done
	check "... and the twenty are logged as one count within 10 s" \
	    bash -c "tail -n +$mark '$WORK/rpxd.log' | grep -q 'limits: client 127.0.0.2: 20 more connection(s) refused in the last 1[0-9] s (max-connections-per-address 4)'"
	exec 7>&-
	wait "$client"
	sleep 0.5
	r=$(status_of --interface 127.0.0.2 -H 'Host: x' http://127.0.0.1/small.txt)
	expect "once its connections are closed, 127.0.0.2 is served again" "$r" 200
	stop_rpxd
}

# Slow-header and silent connections from 127.0.0.2, twice the pool: the
# slow ones beyond the limit are closed at accept, the silent ones wait
# in the kernel; curl from 127.0.0.3 gets 200 all along.
al_flood_tests() {
	local mark flood r i ok=0
	al_conf 2 2 8 3 > "$WORK/al.conf"
	mark=$(al_mark)
	start_rpxd "$WORK/al.conf" || { fail "rpxd starts with max-workers 8"; return; }
	python3 -u - > "$WORK/al-flood.out" 2>&1 <<'PY' &
import socket, time
slow, silent = [], []
for i in range(16):
    for kind in (slow, silent):
        s = socket.socket()
        s.bind(("127.0.0.2", 0))
        s.connect(("127.0.0.1", 80))
        if kind is slow:
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        kind.append(s)
print("open", len(slow), len(silent), flush=True)
for _ in range(12):
    time.sleep(1)
    for s in slow:
        try:
            s.sendall(b"X")
        except OSError:
            pass
PY
	flood=$!
	EXTRA_PIDS+=("$flood")
	for _ in $(seq 1 100); do grep -q open "$WORK/al-flood.out" && break; sleep 0.1; done
	sleep 1
	for i in 1 2 3 4 5; do
		r=$(status_of --interface 127.0.0.3 -H 'Host: x' http://127.0.0.1/small.txt)
		[ "$r" = 200 ] && ok=$((ok + 1))
		sleep 0.5
	done
	expect "16 slow-header and 16 silent connections from 127.0.0.2 on a pool of 8: curl from 127.0.0.3 gets 200 5 times of 5" "$ok" 5
	check "... the slow ones beyond the limit are refused" \
	    bash -c "tail -n +$mark '$WORK/rpxd.log' | grep -E -q 'limits: client 127.0.0.2 holds [0-9]+ connection\(s\), max-connections-per-address is 3: connection refused'"
	# The counts are one pool tick old: a burst may pass the limit for
	# a tick, then its youngest connections beyond it are closed.
	for _ in $(seq 1 50); do
		r=$(al_json 'j["limits"]["busiest_addresses"][0]["connections"]')
		[ "$r" = 3 ] && break
		sleep 0.1
	done
	expect "... and 127.0.0.2 holds 3 workers of 8" "$r" 3
	kill "$flood" 2>/dev/null
	wait "$flood" 2>/dev/null
	stop_rpxd
}

# Behind a trusted balancer (PROXY protocol) the limit counts the
# address each header names, never the balancer's: two connections
# naming 198.51.100.7 are served and a third is refused, while four
# naming other clients, all from the balancer's one address, are served.
al_proxy_tests() {
	local out fifo client
	{
		base_conf 2 4 16
		cat <<CONF
max-connections-per-address = 2
backend "siteA" { server = { "127.0.0.1:8080" } }
listener "lb" {
	address = "127.0.0.1"
	port = 80
	proxy-protocol = true
	proxy-protocol-from = { "127.0.0.1" }
	route "all" { backend = "siteA" }
}
CONF
	} > "$WORK/al-proxy.conf"
	start_rpxd "$WORK/al-proxy.conf" || { fail "rpxd starts with a PROXY listener"; return; }
	cat > "$WORK/al_proxy.py" <<'PY'
import json, socket, subprocess, sys, time
ctl, sock = sys.argv[1], sys.argv[2]

def held():
    out = subprocess.run([ctl, "-s", sock, "-j", "status"],
                         capture_output=True, text=True).stdout
    return sum(a["connections"] for a in
               json.loads(out)["limits"]["busiest_addresses"])

conns = []
for src in ["198.51.100.7"] * 3 + ["198.51.100.%d" % i for i in range(8, 12)]:
    s = socket.create_connection(("127.0.0.1", 80), timeout=10)
    s.sendall(b"PROXY TCP4 %s 127.0.0.1 40000 80\r\n"
              b"GET /small.txt HTTP/1.1\r\nHost: x\r\n\r\n" % src.encode())
    try:
        got = s.recv(4096)
    except OSError:
        got = b""
    ok = got.startswith(b"HTTP/1.1 200")
    print(src, "served" if ok else "refused", flush=True)
    if ok:
        conns.append(s)
        for _ in range(100):
            if held() >= len(conns):
                break
            time.sleep(0.05)
        time.sleep(0.25)
print("done", flush=True)
sys.stdin.read()
PY
	fifo="$WORK/al-proxy.fifo"
	rm -f "$fifo"
	mkfifo "$fifo"
	python3 -u "$WORK/al_proxy.py" "$TOP/rpxctl" "$WORK/rpxd.sock" \
	    < "$fifo" > "$WORK/al-proxy.out" 2>&1 &
	client=$!
	EXTRA_PIDS+=("$client")
	exec 7>"$fifo"
	for _ in $(seq 1 200); do grep -q done "$WORK/al-proxy.out" && break; sleep 0.1; done
	out=$(tr '\n' ' ' < "$WORK/al-proxy.out")
	expect "PROXY: the limit counts the client each header names, not the balancer" \
	    "$out" "198.51.100.7 served 198.51.100.7 served 198.51.100.7 refused 198.51.100.8 served 198.51.100.9 served 198.51.100.10 served 198.51.100.11 served done "
	expect_match "... rpxctl status names the client, not the balancer" \
	    "$(al_ctl status)" "busiest client addresses: 198.51.100.7 \(2\),"
	check "... and the balancer's own connection (PROXY LOCAL) is served" \
	    bash -c "python3 '$IT/proxy_client.py' 80 v2local 127.0.0.1 --path /small.txt --host x 2>&1 | grep -q '200'"
	exec 7>&-
	wait "$client"
	stop_rpxd
}

al_limit_tests
al_flood_tests
al_proxy_tests
