# Smaller walls around the children (issue 13, item 6), as a user sees
# them: a pidfile path that is a symbolic link is refused, naming it; the
# control socket appears at its path already root's and 0600 (nothing
# changes its owner or mode through the path afterwards); in -d every
# child writes to a pipe of its own that the master relays prefixed with
# the child's program and pid, escaped and bounded, so a worker
# (rpxd-worker-selftest's /.rpxd-stderr-selftest/) can neither forge the
# master's lines nor flood it; and a user whose primary group is 0, or
# group = "root", is refused at load. Takes about 20 s.
SS_MARK=0
[ -f "$WORK/rpxd.log" ] && SS_MARK=$(wc -l < "$WORK/rpxd.log")
ss_log() { tail -n "+$((SS_MARK + 1))" "$WORK/rpxd.log"; }

ss_conf() {	# PIDFILE CONTROL-SOCKET
	base_conf | sed -e "s|^pidfile = .*|pidfile = \"$1\"|" \
	    -e "s|^control-socket = .*|control-socket = \"$2\"|"
	cat <<CONF
backend "A" {
	server = { "127.0.0.1:8080" }
	health-check { path = "/small.txt" interval = 1 timeout = 1 }
}
listener "http" {
	address = "127.0.0.1"
	port = 80
	route "all" { backend = "A" }
}
CONF
}

# A pidfile path that is a symbolic link: refused, the target untouched.
printf 'precious\n' > "$WORK/ss-victim"
ln -sf "$WORK/ss-victim" "$WORK/ss-pid.link"
ss_conf "$WORK/ss-pid.link" "$WORK/ss-pid.sock" > "$WORK/ss-pid.conf"
timeout 5 "$TOP/rpxd" -d -f "$WORK/ss-pid.conf" -W "$TOP/rpxd-worker" \
    > "$WORK/ss-pid.out" 2>&1
expect "pidfile a symbolic link: rpxd refuses to start" "$?" 1
cat "$WORK/ss-pid.out" >> "$WORK/rpxd.log"
check "... saying which path and why" grep -q \
    "pidfile: $WORK/ss-pid.link is a symbolic link" "$WORK/ss-pid.out"
expect "... and the file it points to is untouched" \
    "$(cat "$WORK/ss-victim")" precious

# The control socket in a setgid directory of another group, watched.
SS_DIR="$WORK/ss-ctl"
mkdir -p "$SS_DIR"
chgrp nogroup "$SS_DIR" && chmod 2775 "$SS_DIR"
python3 "$IT/inotify_watch.py" "$SS_DIR" rpxd.sock 20 \
    > "$WORK/ss-inotify.out" 2>&1 &
SS_WATCH=$!
for _ in $(seq 1 50); do
	grep -q ready "$WORK/ss-inotify.out" && break
	sleep 0.1
done
ss_conf "$WORK/rpxd.pid" "$SS_DIR/rpxd.sock" > "$WORK/ss.conf"
"$TOP/rpxd" -d -f "$WORK/ss.conf" -W "$TOP/rpxd-worker-selftest" \
    >>"$WORK/rpxd.log" 2>&1 &
RPXD_PID=$!
wait_port 127.0.0.1 "$RPXD_PORT" 5 && wait_workers 2 5
expect "control socket: a socket, 0600, root:root at once (setgid dir)" \
    "$(stat -c '%F %a %u %g' "$SS_DIR/rpxd.sock" 2>&1)" "socket 600 0 0"
sleep 0.5
kill "$SS_WATCH" 2>/dev/null
wait "$SS_WATCH" 2>/dev/null
expect "... it appears at its path whole: no owner or mode change after" \
    "$(grep -v ready "$WORK/ss-inotify.out" | tr '\n' ' ')" "CREATE "
expect "... and no private directory is left beside it" \
    "$(ls -A "$SS_DIR")" rpxd.sock
check "... rpxctl talks to it" \
    "$TOP/rpxctl" -s "$SS_DIR/rpxd.sock" status >/dev/null

# Every child's stderr is a pipe of its own, not the master's log file.
w=$(workers | head -1)
h=$(pgrep -P "$RPXD_PID" -x rpxd-health | head -1)
expect "-d: a worker's and the health checker's stderr are pipes" \
    "$(readlink "/proc/$w/fd/2" | cut -c1-5) $(readlink "/proc/$h/fd/2" | cut -c1-5)" \
    "pipe: pipe:"

# A worker forges a master line with an escape sequence, an overlong
# line and a NUL; the master relays them as the worker's.
MPID=$RPXD_PID
status_of -H 'Host: a.example' \
    "http://127.0.0.1/.rpxd-stderr-selftest/forge/$MPID" >/dev/null
sleep 0.5
wpid=$(ss_log | sed -n "s/^rpxd-worker\[\([0-9]*\)\]: stderr selftest: forge\/$MPID\$/\1/p" | tail -1)
check "a worker's own log line arrives as rpxd-worker[pid]" \
    test -n "$wpid"
check "a worker's forged master line never starts a line" \
    test -z "$(ss_log | grep -a "^rpxd\[$MPID\]: startup: forged")"
expect "... it arrives behind the worker's pid, the escape bytes as \\xNN" \
    "$(ss_log | grep -a "startup: forged by a worker" | tail -1)" \
    "rpxd-worker[$wpid]: rpxd[$MPID]: startup: forged by a worker \\x1b[31mred\\x1b[0m"
check "... no raw escape byte reaches the log" \
    test -z "$(ss_log | grep -a $'\x1b')"
long=$(ss_log | grep -a "^rpxd-worker\[$wpid\]: LLLL" | tail -1)
expect "an overlong line is cut at 1024 bytes and marked" \
    "${#long} ${long: -11}" \
    "$(( ${#wpid} + 15 + 1024 + 12 )) [truncated]"
check "a NUL byte arrives escaped" \
    grep -aq "^rpxd-worker\[$wpid\]: nul\\\\x00byte\$" <(ss_log)

# A worker floods its stderr: the master stays responsive, reads it no
# faster than its rate (and says so once), and loses nothing.
status_of -H 'Host: a.example' \
    "http://127.0.0.1/.rpxd-stderr-selftest/flood" >/dev/null &
SS_FLOOD=$!
sleep 0.5
t0=$(date +%s%N)
"$TOP/rpxctl" -s "$SS_DIR/rpxd.sock" status >/dev/null
rc=$?
t1=$(date +%s%N)
expect "rpxctl status answers during a worker's stderr flood" "$rc" 0
check "... within a second ($(( (t1 - t0) / 1000000 )) ms)" \
    test $(( (t1 - t0) / 1000000 )) -lt 1000
wait "$SS_FLOOD"
sleep 0.5
check "the master reads the flood at its rate and says so" grep -q \
    "childlog: rpxd-worker [0-9]* writes more than 262144 bytes a second" \
    <(ss_log)
fpid=$(ss_log | sed -n "s/^rpxd-worker\[\([0-9]*\)\]: stderr selftest: flood\$/\1/p" | tail -1)
expect "... and relays every flooded line (640 KiB)" \
    "$(ss_log | grep -ac "^rpxd-worker\[${fpid:-none}\]: FFFF")" 5120
stop_rpxd

# Children never run with gid 0.
ss_conf "$WORK/rpxd.pid" "$WORK/rpxd.sock" |
    sed '1a group = "root"' > "$WORK/ss-root.conf"
out=$("$TOP/rpxd" -n -f "$WORK/ss-root.conf" 2>&1)
expect "group = \"root\": refused" "$?" 1
expect_match "... naming file:line and the option" "$out" \
    "ss-root.conf:2: group: \"root\" is gid 0"
if unshare -m true 2>/dev/null; then
	# A user whose primary group is 0, in a private /etc/passwd.
	cp /etc/passwd "$WORK/ss-passwd"
	echo 'rpxdgid0:x:64998:0:rpxd test:/nonexistent:/usr/sbin/nologin' \
	    >> "$WORK/ss-passwd"
	ss_conf "$WORK/rpxd.pid" "$WORK/rpxd.sock" |
	    sed 's|^user = .*|user = "rpxdgid0"|' > "$WORK/ss-gid0.conf"
	ss_ns() {	# COMMAND...: with the private /etc/passwd
		unshare -m sh -c 'mount --bind "$0" /etc/passwd && exec "$@"' \
		    "$WORK/ss-passwd" "$@"
	}
	out=$(ss_ns "$TOP/rpxd" -n -f "$WORK/ss-gid0.conf" 2>&1)
	expect "a user with primary group 0: rpxd -n refuses it" "$?" 1
	expect_match "... naming file:line and the option" "$out" \
	    "ss-gid0.conf:1: user: \"rpxdgid0\" has primary group 0"
	out=$(timeout 5 unshare -m sh -c 'mount --bind "$0" /etc/passwd &&
	    exec "$@"' "$WORK/ss-passwd" "$TOP/rpxd" -d \
	    -f "$WORK/ss-gid0.conf" -W "$TOP/rpxd-worker" 2>&1)
	expect "... and so does the daemon at start" "$?" 1
	sed '1a group = "nogroup"' "$WORK/ss-gid0.conf" > "$WORK/ss-gid0g.conf"
	ss_ns "$TOP/rpxd" -n -f "$WORK/ss-gid0g.conf" >/dev/null 2>&1
	expect "... with group = \"nogroup\" it is accepted" "$?" 0
else
	echo "(t_97: no mount namespace: the primary-group-0 user unchecked)"
fi
