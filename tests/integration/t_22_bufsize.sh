# Buffers sized to use (issue 14): on one keep-alive connection, small
# requests, a quiet pause (the worker gives its large buffers back), a
# 90 KiB head (the buffers grow again to hold it), and a head over
# max-head (431 as always). Then the worker holding that connection idle,
# after a 1 MiB download and the 90 KiB head, writes no more private
# memory than a spare worker, give or take the heap's noise.
. "$IT/main.conf.sh"
main_conf > "$WORK/main.conf"
start_rpxd "$WORK/main.conf" || fail "rpxd starts"

# heads.py REQUEST...: one connection; each REQUEST is "small", "pause"
# (1.5 s, past CONN_QUIET_MS), "big" (90 KiB head: three 30 KiB fields),
# "over" (a head over the default max-head of 128 KiB: five 30 KiB fields)
# or "1m" (GET /1m.bin). Prints the statuses, then "port P" (its own
# port), and holds the connection until killed.
cat > "$WORK/heads.py" <<'PY'
import signal, socket, sys, time
s = socket.create_connection(("127.0.0.1", 80), timeout=10)
def fields(n):
    return "".join("X-Pad-%d: %s\r\n" % (i, "p" * 30000) for i in range(n))
def recv():
    try:
        return s.recv(65536)
    except OSError:	# a reset after the answer to an oversized head
        return b""
def response():
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = recv()
        if not chunk:
            return "closed"
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        chunk = recv()
        if not chunk:
            return "short"
        body += chunk
    return head.split(b" ")[1].decode()
out = []
for r in sys.argv[1:]:
    if r == "pause":
        time.sleep(1.5)
        continue
    path, extra = "/small.txt", ""
    if r == "big":
        extra = fields(3)
    elif r == "over":
        extra = fields(5)
    elif r == "1m":
        path = "/1m.bin"
    try:
        s.sendall(("GET %s HTTP/1.1\r\nHost: meet.example.com\r\n%s\r\n" %
                   (path, extra)).encode())
    except OSError:	# refused part way: its answer is read below
        pass
    out.append(response())
print(" ".join(out), flush=True)
print("port %d" % s.getsockname()[1], flush=True)
signal.pause()
PY

# heads_run OUT REQUEST...: heads.py in the background until it printed
# its port (or 20 s); its PID in HEADS_PID.
heads_run() {
	local out=$1
	shift
	python3 "$WORK/heads.py" "$@" > "$out" 2>&1 &
	HEADS_PID=$!
	EXTRA_PIDS+=("$HEADS_PID")
	for _ in $(seq 1 200); do
		grep -q '^port ' "$out" && return 0
		kill -0 "$HEADS_PID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
heads_stop() { kill "$HEADS_PID" 2>/dev/null; wait "$HEADS_PID" 2>/dev/null; }

heads_run "$WORK/heads1.out" small small small pause big small pause over
expect "keep-alive: small, small, small, quiet pause, 90 KiB head, small, quiet pause, head over max-head" \
    "$(head -1 "$WORK/heads1.out")" "200 200 200 200 200 431"
heads_stop
check "the head over max-head is logged as 431" log_has '431 Request Header Fields Too Large: head too large'

# The worker on the other end of a held connection, and the spare ones.
worker_of() {
	ss -Htnp state established "( dport = :$1 )" |
	    sed -n 's/.*"rpxd-worker[^"]*",pid=\([0-9]*\).*/\1/p' | head -1
}
dirty() { awk '/^Private_Dirty:/ {print $2}' "/proc/$1/smaps_rollup"; }
heads_run "$WORK/heads2.out" small 1m big small
expect "keep-alive: a 1 MiB download and a 90 KiB head on one connection" \
    "$(head -1 "$WORK/heads2.out")" "200 200 200 200"
held=$(worker_of "$(awk '/^port/ {print $2}' "$WORK/heads2.out")")
busy=$(ss -Htnp state established | sed -n 's/.*"rpxd-worker[^"]*",pid=\([0-9]*\).*/\1/p' | sort -u)
spare=
for p in $(workers); do
	grep -qx "$p" <<<"$busy" && continue
	d=$(dirty "$p")
	[ -z "$spare" ] || [ "$d" -lt "$spare" ] && spare=$d
done
sleep 2		# past CONN_QUIET_MS with the connection idle
if [ -n "${RPXD_SANITIZED:-}" ]; then
	echo "skip the idle worker's memory check under AddressSanitizer"
elif [ -z "$held" ] || [ -z "$spare" ]; then
	fail "the worker holding the connection and a spare one are found (held '$held', spare '$spare' KiB)"
else
	d=$(dirty "$held")
	check "an idle keep-alive worker after a 1 MiB download and a 90 KiB head writes < 128 KiB more than a spare one ($d vs $spare KiB Private_Dirty)" \
	    test $((d - spare)) -lt 128
fi
heads_stop
