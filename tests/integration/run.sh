#!/usr/bin/env bash
# Integration tests: the real rpxd (as root, on 127.0.0.1:80) in front of
# real nginx and small Python backends, driven with curl and raw sockets.
# Prints one line per check and "N passed, N failed" at the end.
#
# Where the system can make network namespaces (unshare -n), the tests run
# in RPXD_JOBS shards (default 2), each in a namespace of its own with its
# own loopback, backends and work directory, taking the next test from a
# shared queue; each test's lines are printed whole when it ends. Without
# namespaces, or with RPXD_JOBS=1, they run one after the other here.
set -u
IT="$(cd "$(dirname "$0")" && pwd)"

if [ "$(id -u)" != 0 ]; then
	echo "integration tests need root (rpxd binds port 80 and drops"
	echo "privileges); run them as root"
	exit 1
fi
for tool in nginx curl python3; do
	command -v "$tool" >/dev/null || {
		echo "missing $tool: run tests/install-deps.sh"; exit 1; }
done

# RPXD_TESTS="70 76" runs only t_70_* and t_76_* (a developer's shortcut;
# CI and make check run them all).
only=()
for n in ${RPXD_TESTS:-}; do only+=("$IT"/t_"$n"_*.sh); done
[ ${#only[@]} -eq 0 ] && only=("$IT"/t_*.sh)

# The longest tests first, so that the shards end together.
SLOW_FIRST="t_96_ t_74_ t_64_ t_41_ t_79_ t_70_ t_73_ t_77_ t_20_ t_44_ t_45_ t_84_ t_89_ t_22_ t_87_ t_62_ t_94_ t_98_ t_78_"

# next_test QUEUE: takes the first line of the queue file, under its lock.
next_test() {
	flock "$1.lock" sh -c 'head -n 1 "$0"; sed -i 1d "$0"' "$1"
}

# The TCP ports listening in this namespace (the shard's or the host's).
run_one_listeners() { ss -Hltn 2>/dev/null | awk '{print $4}' | sort -u; }

# The processes a script added to EXTRA_PIDS from index $1 on, but the
# shared ones: stopped when it ends, waited for (5 s, then SIGKILL), so
# that no pid is signalled long after it may have been reused.
run_one_stop_extra() {
	local i p left keep=() ns
	ns=$(readlink /proc/self/ns/net)
	for ((i = $1; i < ${#EXTRA_PIDS[@]}; i++)); do
		p=${EXTRA_PIDS[$i]}
		case " ${SHARED_PIDS[*]} " in *" $p "*) keep+=("$p"); continue ;; esac
		# A pid of ours that has ended may be another's now: only
		# what still lives in this network namespace is signalled.
		[ "$(readlink "/proc/$p/ns/net" 2>/dev/null)" = "$ns" ] || continue
		kill -TERM "$p" 2>/dev/null
	done
	for _ in $(seq 1 50); do
		left=0
		for ((i = $1; i < ${#EXTRA_PIDS[@]}; i++)); do
			p=${EXTRA_PIDS[$i]}
			case " ${keep[*]} " in *" $p "*) continue ;; esac
			[ "$(readlink "/proc/$p/ns/net" 2>/dev/null)" = "$ns" ] &&
			    [ "$(awk '{print $3}' "/proc/$p/stat" \
			    2>/dev/null)" != Z ] && left=1
		done
		[ "$left" = 0 ] && break
		sleep 0.1
	done
	for ((i = $1; i < ${#EXTRA_PIDS[@]}; i++)); do
		p=${EXTRA_PIDS[$i]}
		case " ${keep[*]} " in *" $p "*) continue ;; esac
		[ "$left" = 1 ] && [ "$(readlink "/proc/$p/ns/net" \
		    2>/dev/null)" = "$ns" ] && kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	EXTRA_PIDS=("${EXTRA_PIDS[@]:0:$1}" "${keep[@]}")
}

# test script; its lines, then how long it took. A script must leave
# nothing listening that it started (a backend, a daemon that forked
# itself away): the next script of the shard may bind the same port,
# and would then talk to the leftover (t_73's Apache once held t_72's
# health backend port).
run_one() {
	local run_one_t0=$SECONDS run_one_before run_one_left=
	local run_one_npids=${#EXTRA_PIDS[@]} run_one_p
	run_one_before=$(run_one_listeners)
	echo "== $(basename "$1")"
	. "$1"
	stop_rpxd
	run_one_stop_extra "$run_one_npids"
	for _ in $(seq 1 50); do
		run_one_left=$(comm -13 <(echo "$run_one_before") \
		    <(run_one_listeners) | tr '\n' ' ')
		for run_one_p in "${SHARED_PORTS[@]}"; do
			run_one_left=${run_one_left//127.0.0.1:$run_one_p /}
		done
		[ -z "$run_one_left" ] && break
		sleep 0.1
	done
	[ -z "$run_one_left" ] ||
	    fail "$(basename "$1") leaves nothing listening" \
	    "still listening 5 s after its end: $run_one_left"
	echo "-- $(basename "$1"): $((SECONDS - run_one_t0)) s"
}

sanitizer_check() {
	if grep -q -e 'Sanitizer' -e 'runtime error:' "$WORK/rpxd.log" \
	    2>/dev/null; then
		fail "no sanitizer report in the daemon's log"
		grep -A20 -e 'Sanitizer' -e 'runtime error:' "$WORK/rpxd.log" |
		    head -40
	else
		pass "no sanitizer report in the daemon's log"
	fi
}

# A shard, inside its own network namespace: its backends, then tests from
# the queue until it is empty; the counts go to the file the parent reads.
if [ -n "${RPXD_SHARD_DIR:-}" ]; then
	ip link set lo up || exit 1
	. "$IT/lib.sh"
	trap cleanup EXIT
	start_nginx || { echo "cannot start nginx"; exit 1; }
	start_python upgrade_backend.py 8083 || { echo "no python backend"; exit 1; }
	Q=$RPXD_SHARD_DIR
	# Names a test script will not reuse: the tests are sourced here.
	while shard_test=$(next_test "$Q/queue") && [ -n "$shard_test" ]; do
		shard_name=$(basename "$shard_test" .sh)
		run_one "$shard_test" > "$Q/run/$shard_name.log" 2>&1
		shard_name=$(basename "$shard_test" .sh)
		mv "$Q/run/$shard_name.log" "$Q/done/$shard_name.log"
	done
	sanitizer_check
	echo "$PASSED $FAILED" > "$Q/counts.$RPXD_SHARD"
	exit 0
fi

jobs=${RPXD_JOBS:-2}
if [ "$jobs" -le 1 ] || ! unshare -n true 2>/dev/null ||
    ! command -v flock >/dev/null; then
	. "$IT/lib.sh"
	trap cleanup EXIT
	start_nginx || { echo "cannot start nginx"; exit 1; }
	start_python upgrade_backend.py 8083 || { echo "no python backend"; exit 1; }
	for t in "${only[@]}"; do run_one "$t"; done
	sanitizer_check
	echo "$PASSED passed, $FAILED failed"
	[ "$FAILED" -eq 0 ]
	exit
fi

Q=$(mktemp -d /tmp/rpxd-shards.XXXXXX)
mkdir "$Q/run" "$Q/done"
{
	for s in $SLOW_FIRST; do
		for t in "${only[@]}"; do
			case $(basename "$t") in "$s"*) echo "$t" ;; esac
		done
	done
	for t in "${only[@]}"; do
		case " $SLOW_FIRST " in *" $(basename "$t" | cut -c1-5) "*) ;;
		*) echo "$t" ;; esac
	done
} > "$Q/queue"
echo "integration tests: ${#only[@]} scripts in $jobs shards" \
    "(network namespaces; RPXD_JOBS=1 runs them in one)"

pids=()
for ((i = 0; i < jobs; i++)); do
	RPXD_SHARD_DIR=$Q RPXD_SHARD=$i unshare -n bash "$0" \
	    > "$Q/shard.$i.log" 2>&1 &
	pids+=($!)
done
# Print each test's lines as it ends.
print_done() {
	local f
	for f in "$Q"/done/*.log; do
		[ -e "$f" ] || continue
		cat "$f"
		grep '^FAIL' "$f" >> "$Q/failed"
		rm -f "$f"
	done
}
while :; do
	alive=0
	for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
	print_done
	[ "$alive" = 0 ] && break
	sleep 1
done
wait
print_done
passed=0
failed=0
for ((i = 0; i < jobs; i++)); do
	echo "== shard $i"
	cat "$Q/shard.$i.log"
	if read -r p f < "$Q/counts.$i" 2>/dev/null; then
		passed=$((passed + p))
		failed=$((failed + f))
	else
		echo "FAIL shard $i ended without its counts"
		failed=$((failed + 1))
	fi
done
# A test a shard was running when it died has its lines in run/.
for f in "$Q"/run/*.log; do
	[ -e "$f" ] || continue
	echo "FAIL $(basename "$f" .log) did not end"
	cat "$f"
	failed=$((failed + 1))
done
grep -h '^FAIL' "$Q/failed" "$Q"/shard.*.log 2>/dev/null |
    sed 's/^FAIL /failed: /'
rm -rf "$Q"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
