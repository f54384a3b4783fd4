# rpxd -n: the configuration check an operator runs before a reload.
. "$IT/main.conf.sh"
main_conf > "$WORK/check.conf"
out=$("$TOP/rpxd" -n -f "$WORK/check.conf" 2>&1); rc=$?
expect "rpxd -n accepts a good configuration" "$rc" 0
expect_match "rpxd -n says so" "$out" 'configuration OK'
out=$("$TOP/rpxd" -n -f "$TOP/etc/rpxd.conf" 2>&1); rc=$?
expect "the shipped example configuration passes rpxd -n" "$rc" 0

printf 'user = "nobody"\nlistener "a" {\n\taddress = "127.0.0.1"\n\tport = 80\n\troute "r" {\n\t\tbackend = "nowhere"\n\t}\n}\n' > "$WORK/bad1.conf"
out=$("$TOP/rpxd" -n -f "$WORK/bad1.conf" 2>&1); rc=$?
expect "undefined backend: exit 1" "$rc" 1
expect_match "undefined backend: file:line: names it" "$out" "$WORK/bad1.conf:[0-9]+:.*nowhere"
printf 'usr = "nobody"\n' > "$WORK/bad2.conf"
out=$("$TOP/rpxd" -n -f "$WORK/bad2.conf" 2>&1); rc=$?
expect "unknown option: exit 1" "$rc" 1
expect_match "unknown option: file:line: names it" "$out" "$WORK/bad2.conf:1:.*usr"
out=$("$TOP/rpxd" -n -f "$WORK/missing.conf" 2>&1); rc=$?
expect "missing file: exit 1" "$rc" 1
expect_match "missing file: names it" "$out" "missing.conf"

# The man pages are clean under mandoc's linter (when it is installed).
if command -v mandoc >/dev/null; then
	out=$(mandoc -T lint -W warning "$TOP/etc/rpxd.8" "$TOP/etc/rpxd.conf.5" 2>&1)
	expect "man pages are clean under mandoc -T lint" "$out" ""
fi

# Without -d, rpxd becomes a daemon: the command returns, the pidfile names
# a running master that serves, and SIGTERM through the pidfile stops it.
main_conf > "$WORK/daemon.conf"
"$TOP/rpxd" -f "$WORK/daemon.conf" -W "$TOP/rpxd-worker"; rc=$?
expect "rpxd without -d returns to the shell" "$rc" 0
wait_port 127.0.0.1 80 5
dpid=$(cat "$WORK/rpxd.pid" 2>/dev/null)
check "the daemon's pidfile names a running process" kill -0 "${dpid:-0}"
expect "the daemon's master has no terminal" "$(ps -o tty= -p "${dpid:-0}" | tr -d ' ')" "?"
r=$(curl -s --max-time 5 -H 'Host: meet.example.com' http://127.0.0.1/daemon)
expect_match "the daemon serves" "$r" '^backend=A .*uri=/daemon '
kill -TERM "${dpid:-0}" 2>/dev/null
for _ in $(seq 1 50); do kill -0 "${dpid:-0}" 2>/dev/null || break; sleep 0.1; done
check "SIGTERM stops the daemon" test ! -e "/proc/${dpid:-0}"
