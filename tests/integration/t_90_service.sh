# The service files (etc/init/): the LSB init script driven for real
# (start, status codes, reload with a changed route, a refused reload of a
# broken file, configtest, stop, a dead daemon), the systemd unit through
# systemd-analyze verify, the rc.d scripts through sh -n, and what
# make install puts where. The daemon runs detached here, as from an init
# script, so its lines go to syslog, not to the test log. Takes about 10 s.
INIT="$TOP/etc/init/rpxd.init"
SVC=$WORK/service
mkdir -p "$SVC"
cat > "$SVC/default" <<DEF
DAEMON="$TOP/rpxd"
CONF="$SVC/rpxd.conf"
PIDFILE="$SVC/rpxd.pid"
RPXD_FLAGS="-W $TOP/rpxd-worker"
STOP_TIMEOUT=10
DEF
svc() { RPXD_DEFAULTS="$SVC/default" sh "$INIT" "$@"; }
svc_conf() {	# backend of /moved/
	cat <<CONF
user = "nobody"
chroot = "$WORK/empty"
pidfile = "$SVC/rpxd.pid"
control-socket = "$SVC/rpxd.sock"
min-spare-workers = 2
backend "A" { server = { "127.0.0.1:8080" } }
backend "B" { server = { "127.0.0.1:8081" } }
listener "http" {
	address = "127.0.0.1"
	port = 80
	route "moved" { path = "/moved/*" backend = "$1" }
	route "all" { backend = "A" }
}
CONF
}
svc_body() { curl -s --max-time 5 -H 'Host: svc.example.com' "http://127.0.0.1$1" | cut -d' ' -f1; }

svc status >/dev/null; expect "init: status before start exits 3 (not running)" "$?" 3
svc_conf A > "$SVC/rpxd.conf"
svc start >/dev/null; expect "init: start exits 0" "$?" 0
RPXD_PID=$(cat "$SVC/rpxd.pid" 2>/dev/null)
wait_workers 2 5
r=$(svc status); expect "init: status of a running daemon exits 0" "$?" 0
expect_match "... and names its pid" "$r" "running \\(pid $RPXD_PID\\)"
expect "init: the daemon serves" "$(svc_body /moved/x)" backend=A

svc_conf B > "$SVC/rpxd.conf"
svc reload >/dev/null; expect "init: reload of a changed route exits 0" "$?" 0
ok=
for _ in $(seq 1 30); do
	[ "$(svc_body /moved/x)" = backend=B ] && { ok=B; break; }
	sleep 0.1
done
expect "init: after the reload /moved/ goes to the new backend" "$ok" B

printf 'listener "http" {\n\tport = "eighty"\n}\n' >> "$SVC/rpxd.conf"
r=$(svc reload 2>&1); expect "init: reload of a broken file exits 1" "$?" 1
expect_match "... and says why, with file and line" "$r" \
    "not reloading.*rpxd\\.conf:[0-9]+:"
svc configtest >/dev/null 2>&1
expect "init: configtest of a broken file exits 1" "$?" 1
expect "init: the running daemon kept its configuration" \
    "$(svc_body /moved/x)" backend=B
svc_conf B > "$SVC/rpxd.conf"
svc configtest >/dev/null 2>&1
expect "init: configtest of a good file exits 0" "$?" 0

svc stop >/dev/null; expect "init: stop exits 0" "$?" 0
check "init: the daemon has exited" bash -c "! kill -0 $RPXD_PID 2>/dev/null"
svc status >/dev/null; expect "init: status after stop exits 3" "$?" 3
svc stop >/dev/null; expect "init: stop when not running exits 0" "$?" 0
RPXD_PID=

# A daemon that died without cleaning up (SIGKILL): LSB status 1.
svc start >/dev/null
RPXD_PID=$(cat "$SVC/rpxd.pid" 2>/dev/null)
wait_workers 2 5
kids=$(pgrep -P "$RPXD_PID")
kill -KILL "$RPXD_PID"
# shellcheck disable=SC2086
kill -TERM $kids 2>/dev/null
sleep 0.3
svc status >/dev/null
expect "init: status of a dead daemon with a pidfile exits 1" "$?" 1
rm -f "$SVC/rpxd.pid"
RPXD_PID=
svc frobnicate >/dev/null 2>&1; expect "init: an unknown action exits 2" "$?" 2

# The systemd unit and the BSD rc.d scripts.
sed "s|/usr/local/sbin/rpxd|$TOP/rpxd|g" "$TOP/etc/init/rpxd.service" \
    > "$SVC/rpxd.service"
r=$(systemd-analyze verify --man=no "$SVC/rpxd.service" 2>&1)
expect "systemd-analyze verify finds nothing in rpxd.service" "$?:$r" "0:"
check "the FreeBSD rc.d script parses (sh -n)" sh -n "$TOP/etc/init/rpxd.rc.freebsd"
check "the OpenBSD rc.d script parses (sh -n)" sh -n "$TOP/etc/init/rpxd.rc.openbsd"
check "the LSB init script parses (sh -n)" sh -n "$INIT"

# make install: the service files of this system with its paths.
make -s -C "$TOP" install-service DESTDIR="$SVC/dest" PREFIX=/opt/rpxd \
    SYSCONFDIR=/etc/rpxd >/dev/null
check "make install puts the LSB script in /etc/init.d (executable)" \
    test -x "$SVC/dest/etc/rpxd/init.d/rpxd"
check "... with the installed paths" grep -q \
    '^DAEMON=/opt/rpxd/sbin/rpxd$' "$SVC/dest/etc/rpxd/init.d/rpxd"
check "make install puts the systemd unit in /lib/systemd/system" grep -q \
    '^ExecStart=/opt/rpxd/sbin/rpxd -f /etc/rpxd/rpxd.conf$' \
    "$SVC/dest/lib/systemd/system/rpxd.service"
