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

# The programs rpxd execs (issue 16): -W given a directory, or a file that
# is not executable, is refused by rpxd -n and at start-up, naming the
# path, instead of a daemon whose workers die with status 127 forever.
# The key holder and the health checker, beside the worker, are checked
# when the configuration needs them.
mkdir -p "$WORK/wdir"
{ base_conf; printf 'backend "A" { server = { "127.0.0.1:8080" } }\nlistener "a" {\n\taddress = "127.0.0.1"\n\tport = 80\n\troute "r" { backend = "A" }\n}\n'; } > "$WORK/w.conf"
out=$("$TOP/rpxd" -n -f "$WORK/w.conf" -W "$WORK/wdir" 2>&1); rc=$?
expect "rpxd -n -W <directory>: exit 1" "$rc" 1
expect "rpxd -n -W <directory>: names the path" "$out" \
    "rpxd: worker program $WORK/wdir: is a directory, not a program"
out=$(timeout 10 "$TOP/rpxd" -d -f "$WORK/w.conf" -W "$WORK/wdir" 2>&1); rc=$?
expect "rpxd -d -W <directory>: start-up refused (exit 1)" "$rc" 1
expect_match "... naming the path" "$out" \
    "startup: worker program $WORK/wdir: is a directory, not a program"
check "... and nothing listens on port 80" test -z "$(curl -s --max-time 2 -o /dev/null -w '%{http_code}' http://127.0.0.1/ | grep -v 000)"
printf '#!/bin/sh\n' > "$WORK/wdir/rpxd-worker"
chmod 644 "$WORK/wdir/rpxd-worker"
out=$("$TOP/rpxd" -n -f "$WORK/w.conf" -W "$WORK/wdir/rpxd-worker" 2>&1); rc=$?
expect "rpxd -n -W <file without x bit>: refused, naming the path" \
    "$rc $out" "1 rpxd: worker program $WORK/wdir/rpxd-worker: is not executable"
rm -f "$WORK/wdir/rpxd-worker"
cp "$TOP/rpxd-worker" "$WORK/wdir/rpxd-worker"
mkdir -p "$WORK/wdir/rpxd-health"
out=$("$TOP/rpxd" -n -f "$WORK/w.conf" -W "$WORK/wdir/rpxd-worker" 2>&1); rc=$?
expect "rpxd -n: no health checks, so rpxd-health is not needed" "$rc" 0
sed 's|server = { "127.0.0.1:8080" }|& health-check { path = "/" }|' \
    "$WORK/w.conf" > "$WORK/wh.conf"
out=$("$TOP/rpxd" -n -f "$WORK/wh.conf" -W "$WORK/wdir/rpxd-worker" 2>&1); rc=$?
expect "rpxd -n: with health checks, a directory as rpxd-health is refused" \
    "$rc $out" "1 rpxd: health checker $WORK/wdir/rpxd-health: is a directory, not a program"

# rpxd -n names the line of the mistake (issue 16): a string whose closing
# quote is missing, at the line where it starts (libconfuse let it run on
# and blamed a later line); a NUL byte, at its line.
printf 'user = "nobody\nbackend "b" {\n server = { "127.0.0.1:1" }\n}\n' > "$WORK/quote.conf"
out=$("$TOP/rpxd" -n -f "$WORK/quote.conf" 2>&1); rc=$?
expect "rpxd -n: a missing closing quote on line 1 is reported at line 1" \
    "$rc $out" "1 $WORK/quote.conf:1: syntax error: string not closed (no \" before the end of the line)"
printf 'user = "nobody"\n\nmax-workers = 8\0\n' > "$WORK/nul.conf"
out=$("$TOP/rpxd" -n -f "$WORK/nul.conf" 2>&1); rc=$?
expect "rpxd -n: a NUL byte on line 3 is reported at line 3" \
    "$rc $out" "1 $WORK/nul.conf:3: syntax error: a NUL byte (the file must be text)"
