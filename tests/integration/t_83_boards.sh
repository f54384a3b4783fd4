# A compromised worker and the shared maps (issue 13, item 2), through
# rpxd-worker-selftest (worker/board_selftest.c): a request makes the
# worker try to mark every server down on the health board (it is mapped
# read-only: the worker dies of SIGSEGV, the master logs it, the servers
# stay up and other clients get 200), to map another worker's scoreboard
# slot or grow its own into the next one (no descriptor, mremap fails),
# and to lie in its own slot (an escape sequence as its client, INT64_MIN
# as its start time: rpxctl status shows it escaped, rpxctl -j status is
# valid JSON, and the master, sanitized or not, goes on). Takes ~15 s.
BD_MARK=0
[ -f "$WORK/rpxd.log" ] && BD_MARK=$(wc -l < "$WORK/rpxd.log")
bd_log() { tail -n "+$((BD_MARK + 1))" "$WORK/rpxd.log"; }
bd_ctl() { "$TOP/rpxctl" -s "$WORK/rpxd.sock" "$@"; }
bd_get() { status_of -H 'Host: boards.example.com' "http://127.0.0.1$1"; }
bd_json() {	# python expression on the JSON document j, from stdin
	python3 -c 'import json,sys; j=json.load(sys.stdin); print('"$1"')'
}
bd_worker_of() {	# what: the pid of the worker that logged trying it
	bd_log | sed -n "s/^rpxd-worker\[\([0-9]*\)\]: board selftest: trying $1\$/\1/p" |
	    tail -1
}

{
	base_conf
	cat <<CONF
backend "A" {
	server = { "127.0.0.1:8080", "127.0.0.1:8081" }
	health-check { path = "/small.txt" interval = 1 timeout = 1 }
}
listener "http" {
	address = "127.0.0.1"
	port = 80
	route "all" { backend = "A" }
}
CONF
} > "$WORK/boards.conf"

"$TOP/rpxd" -d -f "$WORK/boards.conf" -W "$TOP/rpxd-worker-selftest" \
    >>"$WORK/rpxd.log" 2>&1 &
RPXD_PID=$!
if wait_port 127.0.0.1 "$RPXD_PORT" 5 && wait_workers 2 5; then
	pass "rpxd starts with the selftest worker"
else
	fail "rpxd starts with the selftest worker"
fi
sleep 1.5	# the checker's first checks

# The health board is read-only to a worker.
expect "health-write: the client gets no response" \
    "$(bd_get /.rpxd-board-selftest/health-write)" 000
sleep 0.5
pid=$(bd_worker_of health-write)
check "health-write: the worker got the request" test -n "$pid"
check "health-write: mprotect to writable is refused (EACCES)" grep -q \
    "^rpxd-worker\[${pid:-none}\]: board selftest: health-write: mprotect: Permission denied" \
    <(bd_log)
check "health-write: the worker dies of SIGSEGV, and the master logs it" \
    grep -q "pool: worker ${pid:-none} (slot [0-9]*) killed by signal 11 (SIGSEGV); replacing it" \
    <(bd_log)
check "health-write: nothing was written" \
    test -z "$(bd_log | grep 'health-write was not stopped')"
wait_workers 2 5
r=""
for _ in 1 2 3 4 5 6; do r="$r $(bd_get /small.txt)"; done
expect "health-write: other clients still get 200" "$r" \
    " 200 200 200 200 200 200"
expect "health-write: both servers are still up" \
    "$(bd_ctl -j status | bd_json '[s["state"] for b in j["backends"] for s in b["servers"]]')" \
    "['up', 'up']"

# Another worker's slot is out of reach.
before=$(workers | tr '\n' ' ')
r=$(bd_get /.rpxd-board-selftest/other-slot)
sleep 0.5
check "other-slot: the worker got the request" test -n "$(bd_worker_of other-slot)"
check "other-slot: no descriptor maps the scoreboard, mremap fails" grep -q \
    "board selftest: other-slot: contained (no descriptor maps the scoreboard; mremap: Cannot allocate memory)" \
    <(bd_log)
check "other-slot: nothing got through" \
    test -z "$(bd_log | grep 'other-slot was not stopped')"
r=""
for _ in 1 2 3 4; do r="$r $(bd_get /small.txt)"; done
expect "other-slot: every worker still serves" "$r" " 200 200 200 200"
gone=0
for p in $before; do kill -0 "$p" 2>/dev/null || gone=$((gone + 1)); done
expect "other-slot: every worker from before still runs (none was stopped)" \
    "$gone" 0

# Lies in its own slot reach the operator escaped and clamped.
bd_get /.rpxd-board-selftest/lie > "$WORK/bd-lie.out" &
liar=$!
sleep 1.5
out=$(bd_ctl status)
expect "lie: rpxctl status answers" "$?" 0
expect "lie: no escape or high byte reaches the terminal" \
    "$(printf '%s' "$out" | LC_ALL=C tr -d -c '\033\377' | wc -c)" 0
check "lie: the client is shown escaped, within its field" grep -qF \
    ' \x1b]0;pwned\x07\x1b[2J\xffAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' <<<"$out"
js=$(bd_ctl -j status)
expect "lie: rpxctl -j status answers" "$?" 0
check "lie: rpxctl -j status is valid JSON (python3 -m json.tool)" \
    bash -c 'PYTHONIOENCODING=utf-8:strict python3 -m json.tool >/dev/null' <<<"$js"
expect "lie: JSON client, requests and for, clamped" \
    "$(bd_json 'ascii([[w["client"], w["requests"], w["for"], w["since"] >= 0] for w in j["workers"] if w["client"] and "pwned" in w["client"]])' <<<"$js")" \
    "[['\\x1b]0;pwned\\x07\\x1b[2J\\xffAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 9223372036854775807, 0, True]]"
check "lie: the master is alive" kill -0 "$RPXD_PID"
wait "$liar"
sleep 0.3
expect "lie: the next request gets 200" "$(bd_get /small.txt)" 200
out=$(bd_ctl status)
expect "lie: rpxctl status still answers afterwards" "$?" 0
check "lie: no sanitizer report from the master" \
    test -z "$(bd_log | grep -e 'runtime error:' -e 'Sanitizer')"
