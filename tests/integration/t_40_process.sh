# The process model: unprivileged chrooted workers, replacement of a killed
# worker, SIGHUP reloads (good and bad) under traffic, SIGTERM.
. "$IT/main.conf.sh"
main_conf > "$WORK/main.conf"
start_rpxd "$WORK/main.conf" || fail "rpxd starts"

w=$(workers | head -1)
uid=$(awk '/^Uid:/ {print $2, $3, $4, $5}' "/proc/$w/status")
nobody=$(id -u nobody)
expect "worker runs as the unprivileged user (real, effective, saved, fs)" "$uid" "$nobody $nobody $nobody $nobody"
expect "worker is chrooted to the empty directory" "$(readlink "/proc/$w/root")" "$WORK/empty"
expect "master runs as root" "$(awk '/^Uid:/ {print $2}' "/proc/$RPXD_PID/status")" 0
expect "worker program is rpxd-worker" "$(cat "/proc/$w/comm")" "rpxd-worker"
# Workers are batch tasks (worker.c: a woken worker does not preempt the
# running one); the master keeps the normal policy.
expect "worker runs as a batch task" "$(chrt -p "$w" | sed -n 's/.*policy: //p')" SCHED_BATCH
expect "master keeps the normal policy" "$(chrt -p "$RPXD_PID" | sed -n 's/.*policy: //p')" SCHED_OTHER
expect "pidfile holds the master's pid" "$(cat "$WORK/rpxd.pid")" "$RPXD_PID"

before=$(workers | wc -l)
kill -9 "$w"
sleep 2.5
check "a killed worker is replaced (had $before)" test "$(workers | wc -l)" -ge "$before"
check "a killed worker is logged" log_has "pool: worker $w (slot [0-9]*) killed by signal 9"
check "a killed worker is gone" test ! -e "/proc/$w"

# Reload under traffic: a curl loop in the background, SIGHUP five times
# with a changed route; no request may fail.
(
	fails=0
	for i in $(seq 1 300); do
		c=$(status_of -H 'Host: meet.example.com' "http://127.0.0.1/loop$i")
		[ "$c" = 200 ] || fails=$((fails + 1))
	done
	echo "$fails" > "$WORK/loop.fails"
) &
loop=$!
EXTRA_ROUTES='route "added" { host = { "added.example.com" } backend = "siteB" }'
main_conf > "$WORK/main.conf"
unset EXTRA_ROUTES
old=$(workers | tr '\n' ' ')
for i in 1 2 3 4 5; do
	kill -HUP "$RPXD_PID"
	sleep 0.4
done
wait "$loop"
expect "no failed request during five reloads" "$(cat "$WORK/loop.fails")" 0
check "reload logged a new generation" log_has 'reload: generation 6 serving'
r=$(curl -s --max-time 5 -H 'Host: added.example.com' http://127.0.0.1/)
expect_match "a route added by reload answers" "$r" '^backend=B '
sleep 1.5
still=0
for p in $old; do [ -e "/proc/$p" ] && still=$((still + 1)); done
expect "old workers exited after the reload" "$still" 0

# An invalid configuration on SIGHUP: logged, old configuration kept.
cp "$WORK/main.conf" "$WORK/good.conf"
printf 'listener "broken" {\n\tport = 99999\n}\n' >> "$WORK/main.conf"
kill -HUP "$RPXD_PID"
sleep 1
check "a bad reload is logged with file and line" log_has "reload: $WORK/main.conf:[0-9]*:.*port"
check "a bad reload says the old configuration stays" log_has 'reload: failed; keeping the running configuration'
r=$(curl -s --max-time 5 -H 'Host: added.example.com' http://127.0.0.1/)
expect_match "the old configuration still serves after a bad reload" "$r" '^backend=B '
cp "$WORK/good.conf" "$WORK/main.conf"

# A second rpxd with the same pidfile refuses to start.
out=$("$TOP/rpxd" -d -f "$WORK/main.conf" -W "$TOP/rpxd-worker" 2>&1)
expect_match "a second rpxd on the same pidfile refuses" "$out" 'already running|cannot listen'

# SIGTERM: workers finish, the master exits and removes its pidfile.
pid=$RPXD_PID
stop_rpxd
check "SIGTERM stops the master" test ! -e "/proc/$pid"
check "SIGTERM removes the pidfile" test ! -e "$WORK/rpxd.pid"
check "shutdown is logged" log_has 'shutdown: done'
