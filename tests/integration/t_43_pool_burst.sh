# The pool follows demand at once (issue 14): a burst of keep-alive
# clients gets its workers in the next pool tick (the master reads the
# listen queues), and a pool at max-workers says how many connections
# wait, only when some do.
burst_conf() {	# MIN MAX-SPARE MAX
	base_conf "$1" "$2" "$3"
	cat <<CONF
log-level = "verbose"
backend "siteA" { server = { "127.0.0.1:8080" } }
listener "http" {
	address = "127.0.0.1"
	port = 80
	route "lync" { host = { "lyncweb.example.com" } backend = "siteA" }
}
CONF
}

# hold N SECONDS: N keep-alive clients at once, each one request, then
# held open; prints how many got their 200
hold() {
	python3 - "$1" "$2" <<'PY'
import socket, sys, threading, time
n, hold = int(sys.argv[1]), float(sys.argv[2])
ok = []
def one():
    try:
        s = socket.create_connection(("127.0.0.1", 80), timeout=20)
        s.sendall(b"GET /small.txt HTTP/1.1\r\nHost: lyncweb.example.com\r\n\r\n")
        if s.recv(4096).startswith(b"HTTP/1.1 200"):
            ok.append(1)
        time.sleep(hold)
        s.close()
    except OSError:
        pass
ts = [threading.Thread(target=one) for _ in range(n)]
for t in ts: t.start()
for t in ts: t.join()
print(len(ok))
PY
}

burst_tests() {
	local mark r holder
	burst_conf 2 4 64 > "$WORK/burst.conf"
	mark=$(( $(cat "$WORK/rpxd.log" 2>/dev/null | wc -l) + 1 ))
	start_rpxd "$WORK/burst.conf" || { fail "rpxd starts for the burst"; return; }
	r=$(hold 40 2)
	expect "a burst of 40 keep-alive clients on a pool of 2 spare workers: all get 200" "$r" 40
	check "... the master started workers for the waiting connections at once" \
	    bash -c "tail -n +$mark '$WORK/rpxd.log' | grep -E -q 'pool: [0-9]+ connection\(s\) wait in the listen queues, [0-9]+ worker\(s\) idle: starting ([5-9]|[1-9][0-9])'"
	stop_rpxd

	# Pressure mode off: under it, the idle keep-alive clients would be
	# closed for the waiting ones (t_45), and nothing would wait.
	{ burst_conf 3 3 3; echo 'pressure-threshold = 0'; } > "$WORK/burst.conf"
	mark=$(( $(cat "$WORK/rpxd.log" 2>/dev/null | wc -l) + 1 ))
	start_rpxd "$WORK/burst.conf" || { fail "rpxd starts with max-workers 3"; return; }
	sleep 1.5
	check "min-spare-workers = max-workers and nothing waits: no 'max-workers reached' line" \
	    bash -c "! tail -n +$mark '$WORK/rpxd.log' | grep -q 'max-workers'"
	hold 8 3 > "$WORK/burst.out" &
	holder=$!
	sleep 1.5
	r=$("$TOP/rpxctl" -s "$WORK/rpxd.sock" status | sed -n 's/.* \([0-9]*\) connection(s) waiting in the listen queues.*/\1/p')
	check "rpxctl status shows the connections waiting for a worker ($r)" test "${r:-0}" -ge 1
	check "... and the log says max-workers is reached and how many wait" \
	    bash -c "tail -n +$mark '$WORK/rpxd.log' | grep -E -q 'pool: max-workers \(3\) reached and [0-9]+ connection\(s\) wait in the listen queues'"
	wait "$holder"
	expect "... and all 8 are served as workers free up" "$(cat "$WORK/burst.out")" 8
	stop_rpxd
}

burst_tests
