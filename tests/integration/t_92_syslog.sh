# Logging to a real syslogd: rsyslogd started here on its own socket
# (syslog-socket), writing one file per run with facility, severity and tag.
# Checks what an operator sees: the configured facility and tag, one
# access line per request, no datagram over 1 KiB, escaped client bytes,
# key=value fields awk can split; then a stopped syslogd (requests still
# served, the drops reported once it is back) and a restarted one (fresh
# workers reach it). rpxd runs detached here, as from an init script.
# Takes about 20 s.
SL=$WORK/syslog
SL_PID=
mkdir -p "$SL/work"

# sl_start FILE: rsyslogd in the foreground on $SL/log.sock, writing FILE
# (a line per message: facility.severity tag: message) and FILE.raw (the
# message as received, header included).
sl_start() {
	cat > "$SL/rsyslog.conf" <<CONF
global(workDirectory="$SL/work" maxMessageSize="64k")
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="$SL/log.sock" RateLimit.Interval="0"
    CreatePath="on")
template(name="shown" type="string"
    string="%syslogfacility-text%.%syslogseverity-text% %syslogtag%%msg%\\n")
template(name="raw" type="string" string="%rawmsg%\\n")
*.* action(type="omfile" file="$1" template="shown")
*.* action(type="omfile" file="$1.raw" template="raw")
CONF
	rm -f "$SL/log.sock"
	rsyslogd -n -f "$SL/rsyslog.conf" -i "$SL/rsyslogd.pid" \
	    >>"$SL/rsyslogd.out" 2>&1 &
	SL_PID=$!
	EXTRA_PIDS+=("$SL_PID")
	for _ in $(seq 1 50); do
		[ -S "$SL/log.sock" ] && return 0
		sleep 0.1
	done
	return 1
}

sl_stop() {
	[ -n "$SL_PID" ] || return 0
	kill -CONT "$SL_PID" 2>/dev/null
	kill -TERM "$SL_PID" 2>/dev/null
	wait "$SL_PID" 2>/dev/null
	SL_PID=
}

# sl_wait FILE PATTERN SECONDS: the pattern shows up in FILE in time
sl_wait() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

sl_conf() {
	base_conf | sed "s|^pidfile = .*|pidfile = \"$SL/rpxd.pid\"|"
	cat <<CONF
syslog-socket = "$SL/log.sock"
syslog-tag = "rpxtest"
syslog-facility = "local3"
backend "web" { server = { "127.0.0.1:8080" } }
backend "dead" { server = { "127.0.0.1:9" } }
listener "http" {
	address = "127.0.0.1"
	port = 80
	route "dead" { path = "/dead/*" backend = "dead" }
	route "web" { backend = "web" }
}
CONF
}

# sl_get PATH [curl options]: the status code
sl_get() { status_of -H 'Host: log.example.com' "http://127.0.0.1$1" "${@:2}"; }

if ! command -v rsyslogd >/dev/null; then
	fail "syslog: rsyslogd is installed (tests/install-deps.sh)"
elif ! sl_start "$SL/messages"; then
	fail "syslog: rsyslogd starts on its own socket"
	cat "$SL/rsyslogd.out"
else
	sl_conf > "$SL/rpxd.conf"
	"$TOP/rpxd" -f "$SL/rpxd.conf" -W "$TOP/rpxd-worker"
	expect "syslog: rpxd starts detached" "$?" 0
	wait_pidfile "$SL/rpxd.pid"
	RPXD_PID=$(cat "$SL/rpxd.pid" 2>/dev/null)
	check "syslog: the detached rpxd wrote its pidfile" test -n "$RPXD_PID"
	wait_port 127.0.0.1 80 5
	wait_workers 2 5
	M=$SL/messages

	expect "syslog: a request is served" "$(sl_get /small.txt?t=one)" 200
	check "... its access line arrives at local3.info with the tag" \
	    sl_wait "$M" '^local3\.info rpxtest\[[0-9]*\]: access client=.* path=/small.txt?t=one status=200 ' 5
	expect "... exactly once" \
	    "$(grep -c ' path=/small.txt?t=one ' "$M")" 1

	expect "syslog: a dead backend gets 502" "$(sl_get /dead/x)" 502
	check "... its error line arrives at local3.warning with the tag" \
	    sl_wait "$M" '^local3\.warning rpxtest\[[0-9]*\]: backend: .* 502 ' 5
	check "... and its access line" \
	    sl_wait "$M" ' path=/dead/x status=502 ' 5

	long=/small.txt?$(head -c 6000 /dev/zero | tr '\0' a)
	ua=$(head -c 3000 /dev/zero | tr '\0' u)
	expect "syslog: a 6000-byte URL is served" \
	    "$(sl_get "$long" -A "$ua")" 200
	check "... its access line arrives, path and ua cut and marked" \
	    sl_wait "$M" ' path=/small.txt?aaaa*\.\.\. status=200 .* ua=uuuu*\.\.\. tls=- resumed=- lb=- reused=[a-z-]* user=[^ ]*$' 5
	over=$(awk 'length($0) > 1024' "$M.raw" | wc -l)
	expect "... no message from rpxd over 1024 bytes as received" "$over" 0

	# A tab and a space in the User-Agent: escaped, the line stays one
	# line and each value one field.
	expect "syslog: a request with a tab in its User-Agent" \
	    "$(sl_get /small.txt?t=ctl -H $'User-Agent: a\tb c')" 200
	check "... is logged with the tab and space escaped" \
	    sl_wait "$M" ' path=/small.txt?t=ctl .* ua=a\\x09b\\x20c tls=- resumed=- lb=- reused=[a-z-]* user=[^ ]*$' 5
	split=$(grep ' path=/small.txt?t=ctl ' "$M" | awk '{
		for (i = 1; i <= NF; i++) {
			p = index($i, "=")
			if (p > 0) f[substr($i, 1, p - 1)] = substr($i, p + 1)
		}
		print f["status"], f["path"], f["method"], f["ua"]
	}')
	expect "... awk splits it into key=value fields" "$split" \
	    '200 /small.txt?t=ctl GET a\x09b\x20c'

	# Stopped syslogd: its socket fills; requests are served anyway
	# and the lines that could not go are counted.
	kill -STOP "$SL_PID"
	{ for i in $(seq 1 300); do
		printf 'url = "http://127.0.0.1/small.txt?t=stop-%d"\n' "$i"
	done; } > "$SL/urls"
	start=$(date +%s)
	codes=$(curl -s -H 'Host: log.example.com' --max-time 5 -K "$SL/urls" \
	    -o /dev/null -w '%{http_code}\n' | grep -c '^200$')
	took=$(($(date +%s) - start))
	expect "syslog stopped: 300 requests all get 200" "$codes" 300
	check "... within 30 s (took ${took} s)" test "$took" -le 30
	dropped=$("$TOP/rpxctl" -s "$WORK/rpxd.sock" -j status |
	    python3 -c 'import json,sys; print(json.load(sys.stdin)["log_dropped"])')
	check "... and rpxctl status counts the dropped lines (${dropped:-?})" \
	    test "${dropped:-0}" -gt 0
	kill -CONT "$SL_PID"
	for i in $(seq 1 20); do
		sl_get "/small.txt?t=cont-$i" >/dev/null
		grep -q 'log: [0-9]* line(s) could not be sent to syslog' \
		    "$M" && break
		sleep 0.1
	done
	n=$(sed -n 's/.*log: \([0-9]*\) line(s) could not be sent.*/\1/p' \
	    "$M" | head -1)
	check "syslog continued: the drops are reported (${n:-none})" \
	    test "${n:-0}" -gt 0
	check "... at local3.warning with the tag" grep -q \
	    '^local3\.warning rpxtest\[[0-9]*\]: log: [0-9]* line(s) could not' "$M"

	# Restarted syslogd: the workers' sockets are dead and the sandbox
	# cannot make new ones; fresh workers reach the new syslogd.
	sl_stop
	sl_start "$SL/messages2" || fail "syslog: rsyslogd restarts"
	ok=0 bad=0 i=0
	while [ "$i" -lt 40 ]; do
		i=$((i + 1))
		[ "$(sl_get "/small.txt?t=again-$i")" = 200 ] || bad=$((bad + 1))
		if grep -q ' path=/small.txt?t=again-[0-9]* status=200 ' \
		    "$SL/messages2" 2>/dev/null; then ok=1; break; fi
		sleep 0.2
	done
	expect "syslog restarted: requests keep getting 200" "$bad" 0
	expect "... and new access lines reach the new syslogd (after $i)" \
	    "$ok" 1

	# A reload applies a new tag and facility to the master and to the
	# new workers.
	sl_conf | sed -e 's/"rpxtest"/"rpxnew"/' -e 's/"local3"/"local5"/' \
	    > "$SL/rpxd.conf"
	kill -HUP "$RPXD_PID"
	check "syslog reload: the master logs with the new tag and facility" \
	    sl_wait "$SL/messages2" '^local5\.notice rpxnew\[[0-9]*\]: reload: generation 2 ' 5
	ok=0
	for i in $(seq 1 20); do
		sl_get "/small.txt?t=reloaded-$i" >/dev/null
		if grep -q '^local5\.info rpxnew\[[0-9]*\]: access .* path=/small.txt?t=reloaded-' \
		    "$SL/messages2"; then ok=1; break; fi
		sleep 0.1
	done
	expect "... and so do the new workers" "$ok" 1

	stop_rpxd
	sl_stop
fi
