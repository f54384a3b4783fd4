#!/usr/bin/env bash
# Profile of rpxd under the bench's TLS loads (issue 15: "find where the
# time goes first"). For each load (PROFILE_LOADS: tls-ka-50, wrk at 50
# keep-alive TLS connections; ka-50 the same over plain HTTP; hs-ecdsa-50
# and hs-rsa-50, bench/tlshs.c at 50 clients, a full handshake per
# request; any count instead of 50), with run.sh's rpxd
# configuration (bench/proxies.sh: pinned to PROXY_CPU, in a cgroup of its
# own, started fresh and warmed up each time):
#  1. rpxd as it is: perf stat -a -G <rpxd's cgroup> -e task-clock,
#     context-switches,cpu-migrations,page-faults,raw_syscalls:sys_enter
#     over the whole load, and the cgroup's cpu.stat user/system: per
#     request, all of rpxd's processes (master, workers, key holders,
#     health checker);
#  2. rpxd with its children kept dumpable (bench/unsandbox.c, see there:
#     perf gets no sample of a process that is not): system calls per
#     request and the time in poll/epoll, from strace -f -ttt -T -yy on
#     the worker holding a wrk connection (keep-alive;
#     bench/strace_sum.awk), or perf trace on all of rpxd's processes
#     (handshakes; bench/perftrace_sum.awk, with the key service round
#     trip from the workers' side);
#  3. the same rpxd: perf record -a -g -G <cgroup> -e cpu-clock (a
#     software clock: this VM has no hardware counters); perf report:
#     shares by process and by library (OpenSSL, libc, kernel, rpxd), CPU
#     under poll/epoll and the scheduler, top symbols;
#  4. when `perf stat -e instructions` is not supported (this VM; the
#     check is in the output), one worker under valgrind --tool=callgrind
#     (CALLGRIND=0 skips it, CALLGRIND=1 forces it): instructions per
#     request by library, counted inside session_serve (a connection:
#     handshake, requests, close), with its sandbox made no-ops
#     (bench/unsandbox.c: valgrind cannot run inside it) and a pool of 4
#     workers, all kept busy, so that it gets connections.
# Env: PROFILE_SECONDS (8 s per run), PROFILE_LOADS ("tls-ka-50
# hs-ecdsa-50"), CALLGRIND (auto), PIN (1), PROXY_CPU (0), LOAD_CPU (1),
# KEEP=1, OUT (bench/results/profile). Run as root, in a private network
# namespace on a shared machine (fixed ports). Installs linux-perf,
# strace and valgrind if missing.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
me=profile.sh
S=${PROFILE_SECONDS:-8}
LOADS=${PROFILE_LOADS:-tls-ka-50 hs-ecdsa-50}
DURATION=$S		# tls.sh's tls_run_hs
PROXIES=rpxd
PIN=${PIN:-1}
WARMUP=4 TLS_WARMUP=2 HS_WARMUP=1
BACKEND_PORT=18080
OUT=${OUT:-bench/results/profile}
declare -A PORT=([rpxd]=18000 [haproxy]=18001 [nginx]=18002)
. "$top/bench/tls.sh"
want_tls=1
[ "$(id -u)" = 0 ] || { echo "$me: run as root" >&2; exit 1; }
for t in perf:linux-perf strace:strace valgrind:valgrind; do
	command -v "${t%%:*}" >/dev/null && continue
	apt-get install -y -qq "${t#*:}" >/dev/null || { apt-get update -qq && apt-get install -y -qq "${t#*:}" >/dev/null; } ||
	    { echo "$me: cannot install ${t#*:}" >&2; exit 1; }
done
. "$top/bench/proxies.sh"
[ -n "$cg_base" ] || { echo "$me: needs a cgroup v2 hierarchy (perf -G)" >&2; exit 1; }
cg_mount=${cg_base%/rpxd-bench.*}
cg_name=${cg_base#"$cg_mount"/}/rpxd	# perf -G takes it relative to the mount

# Hardware counters: in this VM perf says <not supported> for instructions.
hw=yes
perf stat -x, -e instructions true 2>&1 >/dev/null | grep -q -e 'not supported' -e 'not counted' && hw=no
CALLGRIND=${CALLGRIND:-$([ $hw = no ] && echo 1 || echo 0)}

# Wrapper directories for rpxd's -W (the master starts rpxd-keys and
# rpxd-health from the worker program's directory too). The master gives
# a child an empty environment: the scripts use absolute paths and set
# what they need. bench/unsandbox.c, preloaded:
#  dumpbin/: every child stays dumpable, so that perf samples it (phase 3);
#  cgbin/: the same, and the first worker started runs under callgrind
#    with its sandbox made no-ops (phase 4).
cc -O2 -shared -fPIC "$top/bench/unsandbox.c" -o "$dir/unsandbox.so" ||
    { echo "$me: building bench/unsandbox.c failed" >&2; exit 1; }
chmod 755 "$dir"
mkdir -p "$dir/cgout"
chmod 1777 "$dir/cgout"
wrap() {	# dir program
	printf '#!/bin/sh
exec /usr/bin/env LD_PRELOAD=%s RPXD_BENCH_UNSANDBOX=dumpable %s "$@"\n' \
	    "$dir/unsandbox.so" "$top/$2" > "$dir/$1/$2"
	chmod 755 "$dir/$1/$2"
}
mkdir -p "$dir/dumpbin" "$dir/cgbin"
for prog in rpxd-worker rpxd-keys rpxd-health; do wrap dumpbin $prog; done
for prog in rpxd-keys rpxd-health; do wrap cgbin $prog; done
# callgrind opens its output file as root at start and again at exit, by
# then as the worker's user: the file is made first, owned by that user.
cat > "$dir/cgbin/rpxd-worker" <<SH
#!/bin/sh
if /bin/mkdir "$dir/cgout/lock" 2>/dev/null; then
	/usr/bin/touch "$dir/cgout/callgrind.out.\$\$"
	/bin/chown nobody "$dir/cgout/callgrind.out.\$\$"
	exec /usr/bin/env LD_PRELOAD="$dir/unsandbox.so" RPXD_BENCH_UNSANDBOX=all /usr/bin/valgrind -q --tool=callgrind --vgdb=no \\
	    --log-file="$dir/cgout/valgrind.log" --callgrind-out-file="$dir/cgout/callgrind.out.%p" \\
	    --toggle-collect=session_serve "$top/rpxd-worker" "\$@"
fi
exec /usr/bin/env LD_PRELOAD="$dir/unsandbox.so" RPXD_BENCH_UNSANDBOX=dumpable "$top/rpxd-worker" "\$@"
SH
chmod 755 "$dir/cgbin/rpxd-worker"

load_run() {	# load [seconds]: runs it (pinned to LOAD_CPU with this shell), output in $dir/load.out
	local d=${2:-$S} DURATION=${2:-$S}
	case $1 in
	tls-ka-*) timeout $((d + 30)) wrk -t 2 -c "${1##*-}" -d "${d}s" --timeout 5s "https://127.0.0.1:${TLS_PORT_EC[rpxd]}/small" ;;
	ka-*) timeout $((d + 30)) wrk -t 2 -c "${1##*-}" -d "${d}s" --timeout 5s "http://127.0.0.1:${PORT[rpxd]}/small" ;;
	hs-ecdsa-*) tls_run_hs "${TLS_PORT_EC[rpxd]}" "${1##*-}" ;;
	hs-rsa-*) tls_run_hs "${TLS_PORT_RSA[rpxd]}" "${1##*-}" ;;
	esac > "$dir/load.out" 2>&1
}
# A load in the background while something is measured, for long enough
# that the measurement's own set-up (perf reading every process's maps,
# strace attaching to hundreds of workers: seconds on a loaded machine)
# never outlasts it; stopped by PID afterwards: TERM to the subshell's
# child, the `timeout` that runs the tool, which passes it on.
bg_load() { load_run "$1" $((S + 40)) & bgl=$!; }
bg_load_stop() {
	local c
	for c in $(pgrep -P "$bgl"); do kill -TERM "$c" 2>/dev/null; done
	wait "$bgl" 2>/dev/null
}
load_requests() {	# from $dir/load.out: requests served
	awk '/ requests in / {print $1} /^requests: / {print $2}' "$dir/load.out" | head -1
}
status_json() { ./rpxctl -s "$dir/rpxd.sock" -j status 2>/dev/null; }
# The N workers with the most of field (requests or connections) so far;
# for requests, only those with a client (a connection open).
pick_workers() {	# field n -> pids
	status_json | python3 -c '
import json, sys
field, n = sys.argv[1], int(sys.argv[2])
ws = json.load(sys.stdin)["workers"]
if field == "requests":
    ws = [w for w in ws if w.get("client")] or ws
ws.sort(key=lambda w: -w[field])
print(" ".join(str(w["pid"]) for w in ws[:n]))' "$1" "$2"
}
cpu_stat() { awk '{a[$1] = $2} END {print a["usage_usec"] + 0, a["user_usec"] + 0, a["system_usec"] + 0}' "$cg_base/rpxd/cpu.stat"; }

# perf report lines "  12.34%  name" -> "name pct"
pct_lines() { awk '$1 ~ /%$/ {p = $1; sub(/%/, "", p); $1 = ""; sub(/^ +/, ""); print $0 "\t" p}'; }
# Library group of a DSO
group_of() { awk -F'\t' '{ d = $1; g = "other"
	if (d ~ /libssl|libcrypto/) g = "OpenSSL"; else if (d ~ /^libc[.-]|^libc\.so|ld-linux/) g = "libc+ld.so"
	else if (d ~ /kernel|vmlinux|\[k/) g = "kernel"; else if (d ~ /^rpxd/) g = "rpxd"
	s[g] += $2 } END { for (g in s) printf "%-12s %6.1f%%\n", g, s[g] }' | sort -k2 -rn; }

callgrind_load() {	# load
	local l=$1 f cgserved cgpid cgreq cgconn ir lp
	rm -rf "$dir/cgout/lock" "$dir"/cgout/callgrind.out.*
	# A pool of 4 workers, all busy under the load: an idle worker that
	# joined the listeners' wait queues late (valgrind starts it slowly) is
	# never the one the kernel wakes while older ones are idle (seen: 0
	# connections in 36 s with 8 spare workers).
	cp "$dir/rpxd.conf" "$dir/rpxd.conf.run"
	sed -e 's/^min-spare-workers.*/min-spare-workers = 4/' -e 's/^max-spare-workers.*/max-spare-workers = 4/' \
	    -e 's/^max-workers.*/max-workers = 4/' "$dir/rpxd.conf.run" > "$dir/rpxd.conf"
	RPXD_WORKER="$dir/cgbin/rpxd-worker" WARMUP=0 TLS_WARMUP=0 HS_WARMUP=0
	start_proxy rpxd || { echo "$me: rpxd (callgrind) did not start for $l" >&2; [ -n "$MPID" ] && stop_proxy; }
	RPXD_WORKER= WARMUP=4 TLS_WARMUP=2 HS_WARMUP=1
	cp "$dir/rpxd.conf.run" "$dir/rpxd.conf"
	[ -n "$MPID" ] || return
	# valgrind takes seconds to start the worker and runs it some 50 times
	# slower: a longer run, and for handshakes 8 clients, not 50
	load_run "${l/%-50/-8}" $((S + 30))
	# the callgrind worker: of the workers whose command line names
	# callgrind (forked by the template that runs under it, each with
	# an output file of its own), the one that served the most requests
	cgserved=$(status_json | python3 -c '
import json, sys
ws = []
for w in json.load(sys.stdin)["workers"]:
    try: cmd = open("/proc/%d/cmdline" % w["pid"], "rb").read()
    except OSError: continue
    if b"callgrind" in cmd: ws.append(w)
ws.sort(key=lambda w: -w["requests"])
for w in ws[:1]: print(w["pid"], w["requests"], w["connections"])')
	stop_proxy
	f=
	read -r cgpid cgreq cgconn <<<"$cgserved"
	[ -n "${cgpid:-}" ] && [ -s "$dir/cgout/callgrind.out.$cgpid" ] && f=$dir/cgout/callgrind.out.$cgpid
	cp "$dir/cgout/valgrind.log" "$dir/logs/valgrind-$l.log" 2>/dev/null
	{
	echo "--- 4. callgrind (instructions, user space only) on one worker under this load, counted inside session_serve"
	echo "    (a connection from its accept on: TLS handshake, the requests, close; the first connection's one-time set-up included)"
	if [ -z "$f" ] || [ -z "${cgreq:-}" ] || [ "${cgreq:-0}" = 0 ]; then
		echo "    no profile (callgrind worker: ${cgserved:-not found}; output: ${f:-none}; see logs/valgrind-$l.log)"
	else
		ir=$(awk '/^(summary|totals):/ {print $2; exit}' "$f")
		echo "    it served $cgreq requests on $cgconn connections: $(awk -v i="$ir" -v n="$cgreq" 'BEGIN { printf "%.0f instructions per request", i / n }')"
		echo "    by library (self):"
		callgrind_annotate --auto=no --inclusive=no --threshold=100 "$f" 2>/dev/null |
		    awk '$1 ~ /^[0-9,]+$/ && /\[/ { n = $1; gsub(/,/, "", n); o = $NF; gsub(/[][]/, "", o); sub(/.*\//, "", o); s[o] += n; t += n }
			END { for (o in s) printf "%s\t%.1f\n", o, 100 * s[o] / t }' | group_of | sed 's/^/    /'
		echo "    top functions (self), instructions per request:"
		callgrind_annotate --auto=no --inclusive=no --threshold=80 "$f" 2>/dev/null |
		    awk -v n="$cgreq" '$1 ~ /^[0-9,]+$/ && /\[/ { i = $1; gsub(/,/, "", i); $1 = ""; o = $0; sub(/^ +\([^)]*\) +/, "", o); printf "    %9.0f  %s\n", i / n, o }' | head -20
		cp "$f" "$OUT-callgrind-$l.out"
	fi
	} >> "$OUT.txt"
}

profile_load() {	# load
	local l=$1 reqs c0 c1 w wreq0 wreq1 k kc0 data f
	{
	echo "=== load $l: $(case $l in tls-ka-*) echo "wrk -t2 -c${l##*-} -d${S}s over TLS keep-alive (ECDSA listener), GET /small (100 bytes)";;
		ka-*) echo "wrk -t2 -c${l##*-} -d${S}s, plain HTTP keep-alive, GET /small (100 bytes)";;
		hs-*) echo "bench/tlshs.c, ${l##*-} clients, a new connection and full TLS 1.3 handshake per GET /small (${l#hs-} listener), ${S}s";; esac)"
	} >> "$OUT.txt"
	MPID=
	start_proxy rpxd || { echo "$me: rpxd did not start for $l" >&2; tail "$dir/logs/rpxd.log" >&2; [ -n "$MPID" ] && stop_proxy; return 1; }

	# 1. perf stat over the whole load, all of rpxd's processes
	read -r -a c0 <<<"$(cpu_stat)"
	perf stat -a -x, -o "$dir/stat.$l" -e task-clock,context-switches,cpu-migrations,page-faults,raw_syscalls:sys_enter \
	    -G "$cg_name,$cg_name,$cg_name,$cg_name,$cg_name" 2>/dev/null &
	local pp=$!
	sleep 0.5	# perf has opened its counters
	load_run "$l"
	sleep 0.5
	kill -INT $pp; wait $pp
	read -r -a c1 <<<"$(cpu_stat)"
	reqs=$(load_requests)
	{
	echo "--- 1. perf stat -a -G (rpxd's cgroup: master, workers, key holders, health checker), whole load: $reqs requests"
	awk -F, -v n="$reqs" -v tu=$((c1[1] - c0[1])) -v ts=$((c1[2] - c0[2])) -v tt=$((c1[0] - c0[0])) '
	    $3 != "" && n > 0 { v = $1; if ($3 == "task-clock") printf "%-26s %12.1f us per request (%.0f ms in all)\n", $3, v * 1000 / n, v
		else printf "%-26s %12.2f per request (%s in all)\n", $3, v / n, v }
	    END { if (n > 0) printf "%-26s %12.1f us per request: user %.1f us (%.0f%%), kernel %.1f us (%.0f%%) [cgroup cpu.stat]\n",
		"cpu.stat usage", tt / n, tu / n, tt ? 100 * tu / (tu + ts) : 0, ts / n, tt ? 100 * ts / (tu + ts) : 0 }' "$dir/stat.$l"
	grep -q 'not supported' "$dir/stat.$l" && grep 'not supported' "$dir/stat.$l"
	} >> "$OUT.txt"

	stop_proxy

	# 2 and 3 on an rpxd whose children stay dumpable (dumpbin/)
	RPXD_WORKER="$dir/dumpbin/rpxd-worker"
	start_proxy rpxd || { echo "$me: rpxd (dumpable) did not start for $l" >&2; RPXD_WORKER=; [ -n "$MPID" ] && stop_proxy; return 1; }
	RPXD_WORKER=

	# 2. system calls per request. Keep-alive: strace on the worker that
	# holds a wrk connection (the busiest with a client). Handshakes:
	# perf trace on all of rpxd's processes (its cgroup), since every
	# connection goes to whichever idle worker the kernel wakes, and a
	# few straced workers (slowed by every stop) caught a handful of
	# connections in 6 s on the loaded machine.
	bg_load "$l"
	sleep 2
	case $l in tls-ka-*|ka-*)
		local ws
		ws=$(pick_workers requests 1)
		timeout -s TERM "$S" strace -f -ttt -T -yy -p "$ws" -o "$dir/strace.$l" 2>/dev/null
		bg_load_stop
		{
		echo "--- 2. strace -f -ttt -T -yy on one worker ($ws, holding a wrk connection) for $S s: each call stops it, so"
		echo "    it serves fewer requests and the times are inflated: read the counts per request"
		awk -v per=backend -v port="$([ "${l%%-*}" = tls ] && echo "$BACKEND_TLS_PORT" || echo "$BACKEND_PORT")" -f "$top/bench/strace_sum.awk" "$dir/strace.$l"
		} >> "$OUT.txt" ;;
	*)
		perf trace -a -G "$cg_name" -o "$dir/trace.$l" -- sleep "$S" >/dev/null 2>&1
		bg_load_stop
		{
		echo "--- 2. perf trace -a -G (all of rpxd's processes, kept dumpable) for $S s (not strace: see above); times include"
		echo "    the tracing"
		awk -f "$top/bench/perftrace_sum.awk" "$dir/trace.$l"
		} >> "$OUT.txt"
		;;
	esac

	# 3. perf record on rpxd's processes (its cgroup), during the load.
	# Children made dumpable (dumpbin/): this kernel gives perf no sample
	# of a process that is not.
	bg_load "$l"
	sleep 2
	data=$dir/perf.$l.data
	perf record -q -a -g -e cpu-clock -c 1000000 -G "$cg_name" -o "$data" -- sleep "$S" 2>/dev/null
	bg_load_stop
	stop_proxy
	{
	echo "--- 3. perf record -a -g -e cpu-clock -G (rpxd's cgroup; 1 sample per ms of CPU), $S s under load; children kept dumpable"
	echo "    $(perf report -i "$data" --stats 2>/dev/null | awk '/SAMPLE events/ {print $3; exit}') samples"
	echo "    CPU samples by process:"
	perf report -i "$data" --stdio --no-children --sort comm -g none 2>/dev/null | pct_lines | awk -F'\t' '{printf "    %-14s %6.1f%%\n", $1, $2}' | head -8
	echo "    by library (self time):"
	perf report -i "$data" --stdio --no-children --sort dso -g none 2>/dev/null | pct_lines | group_of | sed 's/^/    /'
	echo "    by process and library:"
	perf report -i "$data" --stdio --no-children --sort comm,dso -g none --percent-limit 0.5 2>/dev/null | pct_lines |
	    awk -F'\t' '{printf "    %-40s %6.1f%%\n", $1, $2}' | head -20
	echo "    under system calls (children, kernel call chains):"
	perf report -i "$data" --stdio --children --sort sym -g none 2>/dev/null |
	    awk '$1 ~ /%$/ && $2 ~ /%$/ { s = $NF; if (s ~ /^(entry_SYSCALL_64|do_syscall_64|__x64_sys_poll|__x64_sys_ppoll|do_sys_poll|__x64_sys_epoll_wait|do_epoll_wait|ep_poll|schedule|__schedule|__x64_sys_accept4?|__sys_accept4|tcp_sendmsg|tcp_recvmsg|__x64_sys_sendto|__x64_sys_recvfrom|__x64_sys_read|__x64_sys_write|__x64_sys_close|do_exit|__x64_sys_exit_group|unix_seqpacket_sendmsg|unix_stream_sendmsg|__x64_sys_connect|__x64_sys_sendmsg|__x64_sys_recvmsg|__x64_sys_mmap|__x64_sys_munmap|__x64_sys_brk|do_group_exit|__x64_sys_clone|__do_sys_clone|__x64_sys_execve|asm_exc_page_fault|exc_page_fault|finish_task_switch.*)$/) printf "    %-32s %6s (with callees)\n", s, $1 }' | sort -u -k1,1 | sort -k2 -rn
	echo "    top symbols (self):"
	perf report -i "$data" --stdio --no-children --sort dso,sym -g none --percent-limit 0.7 2>/dev/null | pct_lines |
	    awk -F'\t' '{printf "    %6.1f%%  %s\n", $2, $1}' | head -30
	} >> "$OUT.txt"

	# 4. callgrind: one worker's instructions per request, by library, in
	# an rpxd of its own (the slow worker must not count in 1-3), without
	# warm-up: every connection that worker serves is one of the load.
	[ "$CALLGRIND" = 1 ] && callgrind_load "$l"
	cp "$data" "$OUT-$l.perf.data" 2>/dev/null
	echo >> "$OUT.txt"
}

: > "$OUT.txt"
{
	echo "rpxd profile under bench loads; rpxd $(git log -1 --format=%h -- . ':(exclude)bench') (last commit outside bench/), $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "$(nproc --all) CPUs; $([ "$PIN" = 1 ] && echo "rpxd pinned to CPU $PROXY_CPU, load and backend to CPU $LOAD_CPU" || echo "not pinned"); run.sh's rpxd configuration (no access log, min-spare 260)"
	echo "perf $(perf --version | awk '{print $3}'): hardware counters (perf stat -e instructions): $hw$([ $hw = no ] && echo ' (not supported in this VM): task-clock and cpu-clock sampling, and callgrind for instructions')"
	echo "uptime before: $(uptime)"
	echo
} >> "$OUT.txt"
for l in $LOADS; do profile_load "$l"; done
echo "uptime after: $(uptime)" >> "$OUT.txt"
echo "perf data: $OUT-LOAD.perf.data (perf report -i ...)" >> "$OUT.txt"
cat "$OUT.txt"
