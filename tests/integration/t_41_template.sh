# Cheap workers (issue 14): one template per generation, exec'd, sandboxed
# and unprivileged, forks the workers; a killed template is replaced while
# its workers keep serving; a reload's old template goes at once and the
# master reaps its workers when they finish (no zombie left); max-workers
# beyond the old 1,024 with the pool grown by a reload; the machine's
# limits checked at load with the file, line and option named.
tpl_conf() {	# MIN MAX-SPARE MAX
	base_conf "$1" "$2" "$3"
	cat <<CONF
log-level = "debug"
backend "siteA" { server = { "127.0.0.1:8080" } }
listener "http" {
	address = "127.0.0.1"
	port = 80
	route "lync" { host = { "lyncweb.example.com" } backend = "siteA" }
}
CONF
}

get() { status_of -H 'Host: lyncweb.example.com' --max-time 5 "http://127.0.0.1/$1"; }
wait_log() { for _ in $(seq 1 100); do log_has "$1" && return 0; sleep 0.1; done; return 1; }
zombies() { ps -e -o stat=,ppid= | awk -v m="$RPXD_PID" '$1 ~ /^Z/ && $2 == m' | wc -l; }

tpl_conf 4 8 16 > "$WORK/tpl.conf"
start_rpxd "$WORK/tpl.conf" || fail "rpxd starts"

t=$(templates | head -1)
nobody=$(id -u nobody)
expect "one template, a child of the master" "$(templates | wc -l)" 1
expect "the template runs as the unprivileged user" \
    "$(awk '/^Uid:/ {print $2, $3, $4}' "/proc/$t/status")" "$nobody $nobody $nobody"
expect "the template is chrooted to the empty directory" \
    "$(readlink "/proc/$t/root")" "$WORK/empty"
expect "the template is in its seccomp sandbox" \
    "$(awk '/^Seccomp:/ {print $2}' "/proc/$t/status")" 2
w=$(workers | head -1)
expect "the workers are the template's children" \
    "$(awk '{print $4}' "/proc/$w/stat")" "$t"
check "at least min-spare-workers workers" test "$(workers | wc -l)" -ge 4
expect "a worker is named rpxd-worker" "$(cat "/proc/$w/comm")" rpxd-worker
expect "a worker adds its own seccomp filter to the template's" \
    "$(awk '/^Seccomp_filters:/ {print $2}' "/proc/$w/status")" 2
check "the worker runs from the template's program, not an exec of its own" \
    test "$(readlink "/proc/$w/exe")" = "$(readlink "/proc/$t/exe")"
# Copy-on-write: most of a worker's memory is shared with its template.
shared=$(awk '/^Shared_(Clean|Dirty):/ {s += $2} END {print s + 0}' "/proc/$w/smaps_rollup")
private=$(awk '/^Private_(Clean|Dirty):/ {s += $2} END {print s + 0}' "/proc/$w/smaps_rollup")
echo "     measured: an idle worker shares $shared KiB, has $private KiB of its own"
check "an idle worker shares more than it owns ($shared KiB vs $private KiB)" \
    test "$shared" -gt "$private"
expect "it serves" "$(get a)" 200

# A worker's log lines come through its own pipe, under its own pid.
check "the worker's own lines are named with its pid" \
    log_has "^rpxd-worker\[$w\]: worker: ready in generation 1"

# The template killed: logged, replaced; its workers keep serving a held
# keep-alive connection, then are reaped by the master (a subreaper).
exec 7<>/dev/tcp/127.0.0.1/80
printf 'GET /held1 HTTP/1.1\r\nHost: lyncweb.example.com\r\n\r\n' >&7
read -r -t 5 line <&7
expect "a keep-alive client is served" "${line%$'\r'}" "HTTP/1.1 200 OK"
kill -9 "$t"
t2=$(new_template "$t" 15)
check "a killed template is logged" log_has "template: $t of generation 1 killed by signal 9"
check "a killed template is replaced" test -n "$t2" -a "$t2" != "$t"
sleep 0.5
cat <&7 >/dev/null & cat_pid=$!
printf 'GET /held2 HTTP/1.1\r\nHost: lyncweb.example.com\r\nConnection: close\r\n\r\n' >&7
wait "$cat_pid"
exec 7>&-
check "the killed template's workers serve their connections" \
    wait_log "path=/held2 status=200"
# The old template's workers, idle, count as spares: once they are gone
# the new template forks their replacements.
kill -9 $(workers)
sleep 1.5
expect "no zombie is left under the master" "$(zombies)" 0
for _ in $(seq 1 100); do [ "$(workers | wc -l)" -ge 4 ] && break; sleep 0.1; done
expect "new clients are served" "$(get after)" 200
check "the new template forks the workers" \
    bash -c "ps -o ppid= -p \"\$(pgrep -d, -x rpxd-worker)\" | grep -qw $t2"

# A reload: the new generation's template, the old one gone at once; an
# old worker busy with a keep-alive client is reaped by the master once
# the client leaves.
exec 7<>/dev/tcp/127.0.0.1/80
printf 'GET /old1 HTTP/1.1\r\nHost: lyncweb.example.com\r\n\r\n' >&7
read -r -t 5 line <&7
kill -HUP "$RPXD_PID"
# Up to 30 s: under ASan on a loaded machine the new template takes seconds
# to parse, build its contexts and warm up.
t3=$(new_template "$t2" 30)
check "the reload starts a template for generation 2" test -n "$t3" -a "$t3" != "$t2"
check "the old template is gone" test ! -d "/proc/$t2" -o "$(awk '{print $3}' "/proc/$t2/stat" 2>/dev/null)" = Z
cat <&7 >/dev/null & cat_pid=$!
printf 'GET /old2 HTTP/1.1\r\nHost: lyncweb.example.com\r\nConnection: close\r\n\r\n' >&7
wait "$cat_pid"
exec 7>&-
check "the old generation's worker serves its client to the end" \
    wait_log "path=/old2 status=200"
sleep 1.5
expect "the old worker is reaped: no zombie" "$(zombies)" 0
stop_rpxd

# A pool beyond the old limit of 1,024, grown by a reload.
tpl_conf 1100 1200 1500 > "$WORK/tpl.conf"
start_rpxd "$WORK/tpl.conf" || fail "rpxd starts with max-workers 1500"
for _ in $(seq 1 100); do [ "$(workers | wc -l)" -ge 1100 ] && break; sleep 0.2; done
check "1,100 spare workers start ($(workers | wc -l))" test "$(workers | wc -l)" -ge 1100
expect "and serve" "$(get big)" 200
sed -i 's/^max-workers = .*/max-workers = 4000/' "$WORK/tpl.conf"
kill -HUP "$RPXD_PID"
for _ in $(seq 1 150); do log_has "pool: 8000 worker slots (was 3000)" && break; sleep 0.1; done
check "a reload raising max-workers grows the slots" \
    log_has "pool: 8000 worker slots (was 3000)"
for _ in $(seq 1 200); do log_has "reload: generation 2 serving" && break; sleep 0.1; done
expect "the grown pool serves" "$(get grown)" 200
stop_rpxd

# The machine's limits, checked at load with file, line and option.
tpl_conf 2 4 16 > "$WORK/cap.conf"
sed -i 's/^max-workers = .*/max-workers = 3000/' "$WORK/cap.conf"
cap=$(mktemp -d)
cp "$WORK/cap.conf" "$cap/rpxd-cap.conf"
chmod 755 "$cap"; chmod 644 "$cap/rpxd-cap.conf"
out=$(bash -c 'ulimit -u 500; exec "$0" -n -f "$1"' "$TOP/rpxd" "$cap/rpxd-cap.conf" 2>&1)
ln=$(grep -n '^max-workers' "$cap/rpxd-cap.conf" | cut -d: -f1)
expect_match "RLIMIT_NPROC below max-workers is refused at load, naming file, line, option" \
    "$out" "rpxd-cap.conf:$ln: max-workers: 3000 workers need 3064 processes of the user rpxd runs as but RLIMIT_NPROC is 500"
# Root may raise its hard descriptor limit; an unprivileged check may not.
out=$(setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
    bash -c 'ulimit -n 1024; exec "$0" -n -f "$1"' "$TOP/rpxd" "$cap/rpxd-cap.conf" 2>&1)
expect_match "RLIMIT_NOFILE below max-workers is refused at load" \
    "$out" "rpxd-cap.conf:$ln: max-workers: 3000 workers need [0-9]* descriptors in the master .* RLIMIT_NOFILE is 1024"
rm -rf "$cap"
