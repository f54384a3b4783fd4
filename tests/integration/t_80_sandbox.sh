# The sandbox (common/sandbox_linux.c) as a user sees it: a worker, the
# health checker and a key holder run unprivileged, chrooted, with no new privileges, in
# seccomp filter mode and with small resource limits; and a worker that
# breaks its sandbox (rpxd-worker-selftest: open, execve, an AF_UNIX
# socket) is killed by SIGSYS, logged as such, and replaced.
# Linux only; takes about 15 s.
SB_MARK=0
[ -f "$WORK/rpxd.log" ] && SB_MARK=$(wc -l < "$WORK/rpxd.log")
sb_log() { tail -n "+$((SB_MARK + 1))" "$WORK/rpxd.log"; }

start_nginx_tls || fail "the test PKI is made"
sb_conf() {
	base_conf
	cat <<CONF
key-holders = 1
listener "https" {
	address = "127.0.0.1"
	port = 443
	tls { certificate "$WORK/pki/lync-ecdsa.pem" { key = "$WORK/pki/lync-ecdsa.key" } }
	route "all" { backend = "siteA" }
}
backend "siteA" {
	server = { "127.0.0.1:8080" }
	health-check { path = "/small.txt" interval = 1 timeout = 1 }
}
listener "http" {
	address = "127.0.0.1"
	port = 80
	route "lync" { host = { "meet.example.com" } backend = "siteA" }
}
CONF
}

# sb_start WORKER_PROGRAM: like start_rpxd, but stderr is a pipe (to the
# same log), so that RLIMIT_FSIZE 0 applies as in daemon mode: with
# stderr a regular file, sandbox_limits.c leaves it alone.
sb_start() {
	"$TOP/rpxd" -d -f "$WORK/sandbox.conf" -W "$1" \
	    > >(cat >> "$WORK/rpxd.log") 2>&1 &
	RPXD_PID=$!
	wait_port 127.0.0.1 "$RPXD_PORT" 5 && wait_workers 2 5
}

# sb_ready PID: the process has entered its sandbox (a child gets its
# setup from the master before it does).
sb_ready() {
	local i
	for ((i = 0; i < 50; i++)); do
		grep -q '^Seccomp:[[:space:]]*2' "/proc/$1/status" 2>/dev/null &&
		    return 0
		sleep 0.1
	done
	return 1
}

sb_assert_proc() {	# NAME PID [MAX-OPEN-FILES]
	local name=$1 pid=$2 maxfiles=${3:-64} nobody status limits
	nobody=$(id -u nobody)
	if [ -z "$pid" ] || ! sb_ready "$pid"; then
		fail "$name is running in its sandbox" "pid '$pid'"
		return
	fi
	status=$(cat "/proc/$pid/status")
	limits=$(cat "/proc/$pid/limits")
	expect "$name: Uid is unprivileged" \
	    "$(awk '/^Uid:/ {print $2, $3, $4, $5}' <<<"$status")" \
	    "$nobody $nobody $nobody $nobody"
	check "$name: Gid is not root" \
	    test "$(awk '/^Gid:/ {print $2}' <<<"$status")" != 0
	check "$name: NoNewPrivs is 1" grep -q $'^NoNewPrivs:\t1$' <<<"$status"
	check "$name: Seccomp is 2 (filter)" grep -q $'^Seccomp:\t2$' <<<"$status"
	expect "$name: chrooted to the configured directory" \
	    "$(readlink "/proc/$pid/root")" "$WORK/empty"
	expect "$name: Max processes 0" \
	    "$(awk '/^Max processes/ {print $3, $4}' <<<"$limits")" "0 0"
	expect "$name: Max file size 0 (stderr is a pipe)" \
	    "$(awk '/^Max file size/ {print $4, $5}' <<<"$limits")" "0 0"
	expect "$name: Max core file size 0" \
	    "$(awk '/^Max core file size/ {print $5, $6}' <<<"$limits")" "0 0"
	check "$name: Max open files is small (<= $maxfiles)" \
	    test "$(awk '/^Max open files/ {print $4}' <<<"$limits")" -le "$maxfiles"
}

sb_conf > "$WORK/sandbox.conf"
if [ "$(uname -s)" != Linux ]; then
	echo "(t_80_sandbox: seccomp checks are for Linux; skipped)"
elif ! sb_start "$TOP/rpxd-worker"; then
	fail "rpxd starts with the sandboxed worker and health checker"
else
	w=$(workers | head -1)
	sb_assert_proc "worker" "$w"
	sb_assert_proc "health checker" \
	    "$(pgrep -P "$RPXD_PID" -x rpxd-health | head -1)"
	# A channel from every worker slot (1024), and nothing else.
	sb_assert_proc "key holder" \
	    "$(pgrep -P "$RPXD_PID" -x rpxd-keys | head -1)" 1040
	expect "a sandboxed key holder signs a handshake" \
	    "$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 \
	    --cacert "$WORK/pki/ca.pem" --resolve \
	    meet.example.com:443:127.0.0.1 https://meet.example.com/small.txt)" 200
	expect "a sandboxed worker serves a request (and logs it)" \
	    "$(status_of -H 'Host: meet.example.com' http://127.0.0.1/small.txt)" 200
	sleep 0.3
	check "the access line of a sandboxed worker reaches the log" \
	    grep -q 'path=/small.txt status=200' <(sb_log)
	stop_rpxd

	# The selftest worker, with the master's stderr a regular file as in
	# start_rpxd: the worker's stderr is still a pipe of its own (the
	# master relays it), so RLIMIT_FSIZE 0 applies, and its log lines
	# still arrive.
	"$TOP/rpxd" -d -f "$WORK/sandbox.conf" \
	    -W "$TOP/rpxd-worker-selftest" >>"$WORK/rpxd.log" 2>&1 &
	RPXD_PID=$!
	wait_port 127.0.0.1 "$RPXD_PORT" 5 && wait_workers 2 5
	w=$(workers | head -1)
	sb_ready "$w"
	expect "log a regular file: the worker's stderr is a pipe, Max file size 0" \
	    "$(readlink "/proc/$w/fd/2" | cut -c1-5) $(awk '/^Max file size/ {print $4}' "/proc/$w/limits")" "pipe: 0"
	for what in open execve socket-unix; do
		got=$(status_of -H 'Host: meet.example.com' \
		    "http://127.0.0.1/.rpxd-sandbox-selftest/$what")
		expect "selftest $what: the client gets no response" "$got" 000
		sleep 0.5
		pid=$(sb_log | sed -n "s/^rpxd-worker\[\([0-9]*\)\]: sandbox selftest: trying $what\$/\1/p" | tail -1)
		check "selftest $what: the worker got the request" test -n "$pid"
		check "selftest $what: the master logs the worker's SIGSYS" \
		    grep -q "pool: worker ${pid:-none} (slot [0-9]*) killed by signal 31 (SIGSYS: a system call outside the sandbox); replacing it" <(sb_log)
		check "selftest $what: nothing got past the sandbox" \
		    test -z "$(sb_log | grep "selftest: $what was not stopped")"
		wait_workers 2 5
		expect "selftest $what: the next request gets 200" \
		    "$(status_of -H 'Host: meet.example.com' http://127.0.0.1/small.txt)" 200
	done
fi
