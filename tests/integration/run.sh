#!/usr/bin/env bash
# Integration tests: the real rpxd (as root, on 127.0.0.1:80) in front of
# real nginx and small Python backends, driven with curl and raw sockets.
# Prints one line per check and "N passed, N failed" at the end.
set -u
. "$(dirname "$0")/lib.sh"
trap cleanup EXIT

if [ "$(id -u)" != 0 ]; then
	echo "integration tests need root (rpxd binds port 80 and drops"
	echo "privileges); run them as root"
	exit 1
fi
for tool in nginx curl python3; do
	command -v "$tool" >/dev/null || {
		echo "missing $tool: run tests/install-deps.sh"; exit 1; }
done

start_nginx || { echo "cannot start nginx"; exit 1; }
start_python upgrade_backend.py 8083 || { echo "no python backend"; exit 1; }

# RPXD_TESTS="70 76" runs only t_70_* and t_76_* (a developer's shortcut;
# CI and make check run them all).
only=()
for n in ${RPXD_TESTS:-}; do only+=("$IT"/t_"$n"_*.sh); done
[ ${#only[@]} -eq 0 ] && only=("$IT"/t_*.sh)
for t in "${only[@]}"; do
	echo "== $(basename "$t")"
	. "$t"
	stop_rpxd
done

if grep -q -e 'Sanitizer' -e 'runtime error:' "$WORK/rpxd.log"; then
	fail "no sanitizer report in the daemon's log"
	grep -A20 -e 'Sanitizer' -e 'runtime error:' "$WORK/rpxd.log" | head -40
else
	pass "no sanitizer report in the daemon's log"
fi
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
