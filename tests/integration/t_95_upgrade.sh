# Binary upgrade in place: with new programs installed by rename, rpxctl
# upgrade (or SIGUSR2) makes the master exec the new rpxd under the same
# pid, keeping its listening socket, while requests keep coming: none
# fails, an in-flight download completes, new workers run the new
# programs. A new program that refuses the configuration changes nothing.

UPG="$WORK/upgrade"
mkdir -p "$UPG/bin"
for p in rpxd rpxd-worker rpxd-health rpxd-keys; do
	cp "$TOP/$p" "$UPG/bin/$p"
done
install_new() {	# by rename, as a package manager does
	local p
	for p in rpxd rpxd-worker rpxd-health rpxd-keys; do
		cp "$TOP/$p" "$UPG/bin/.$p.new" && mv "$UPG/bin/.$p.new" "$UPG/bin/$p"
	done
}
listen_inode() {	# of 127.0.0.1:80 in LISTEN state
	awk '$2 == "0100007F:0050" && $4 == "0A" { print $10 }' /proc/net/tcp
}
exe_inode() { stat -L -c %i "/proc/$1/exe" 2>/dev/null; }
uctl() { "$TOP/rpxctl" -s "$WORK/rpxd.sock" "$@"; }

{ base_conf; cat <<CONF
backend "A" { server = { "127.0.0.1:8080" } }
listener "http" {
	address = "127.0.0.1"
	port = 80
	route "all" { backend = "A" }
}
CONF
} > "$UPG/rpxd.conf"
"$UPG/bin/rpxd" -d -f "$UPG/rpxd.conf" -W "$UPG/bin/rpxd-worker" \
    >>"$WORK/rpxd.log" 2>&1 &
RPXD_PID=$!
wait_port 127.0.0.1 80 5 && wait_workers 2 5
check "upgrade: rpxd runs from its own copy" test -n "$(exe_inode "$RPXD_PID")"
inode_before=$(listen_inode)
old_workers=$(workers)

# Load and a slow download through the upgrade.
curl -s --limit-rate 250k --max-time 30 -o "$UPG/1m.got" \
    http://127.0.0.1/1m.bin &
dl=$!
python3 - >"$UPG/load.out" 2>&1 <<'PY' &
import socket, time
ok = bad = 0
end = time.time() + 6
while time.time() < end:
    try:
        s = socket.create_connection(("127.0.0.1", 80), timeout=5)
        s.sendall(b"GET /small.txt HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        data = b""
        while True:
            d = s.recv(65536)
            if not d:
                break
            data += d
        s.close()
        if data.startswith(b"HTTP/1.1 200"):
            ok += 1
        else:
            bad += 1
    except OSError:
        bad += 1
print("ok=%d bad=%d" % (ok, bad))
PY
load=$!
# A keep-alive connection idle across the upgrade: its old worker keeps it
# for the next request and answers that with "Connection: close".
python3 "$IT/rawhttp.py" --pause 4 \
    'GET /small.txt HTTP/1.1\r\nHost: a\r\n\r\n' \
    'GET /small.txt HTTP/1.1\r\nHost: a\r\n\r\n' >"$UPG/ka.out" 2>&1 &
ka=$!
sleep 1.5

install_new
check "upgrade: the running master's program is the replaced one" \
    test "$(exe_inode "$RPXD_PID")" != "$(stat -c %i "$UPG/bin/rpxd")"
out=$(uctl upgrade 2>&1)
expect "rpxctl upgrade exits 0" "$?" 0
expect_match "... and says what it executes" "$out" \
    "executing $UPG/bin/rpxd; generation 2 follows"
for _ in $(seq 1 50); do
	uctl status 2>/dev/null | grep -q "generation 2," && break
	sleep 0.1
done
expect_match "after the upgrade: the same pid serves generation 2" \
    "$(uctl status 2>&1 | head -1)" "^rpxd pid $RPXD_PID, generation 2,"
expect "... running the new program" "$(exe_inode "$RPXD_PID")" \
    "$(stat -c %i "$UPG/bin/rpxd")"
expect "... on the same listening socket, never closed" "$(listen_inode)" \
    "$inode_before"
check "upgrade logged" log_has "upgrade: rpxd re-executed, generation 2"
wait_workers 2 5
# The workers of generation 2, as the master numbers them: the old image
# may have started workers of its own after old_workers was taken (the
# pool follows the load loop's connections), and those are generation 1.
# The new image's template forks them: up to 30 s under ASan.
new_ok=1
for _ in $(seq 1 60); do
	gen2=$(uctl -j status | python3 -c 'import json, sys
print(" ".join(str(w["pid"]) for w in json.load(sys.stdin)["workers"]
    if w["generation"] == 2 and w["pid"] > 0))' 2>/dev/null)
	[ -n "$gen2" ] && break
	sleep 0.5
done
for p in $gen2; do
	[ "$(exe_inode "$p")" = "$(stat -c %i "$UPG/bin/rpxd-worker")" ] ||
	    new_ok=0
done
check "generation 2 has workers" test -n "$gen2"
expect "new workers run the new rpxd-worker" "$new_ok" 1

wait "$load"
expect_match "requests during the upgrade: none failed" \
    "$(cat "$UPG/load.out")" "^ok=[1-9][0-9]* bad=0$"
wait "$ka"
expect "a keep-alive connection idle across the upgrade gets both answers" \
    "$(grep -c '^HTTP/1.1 200' "$UPG/ka.out")" 2
expect "... the second with Connection: close" \
    "$(grep -ci '^connection: close' "$UPG/ka.out")" 1
# In -d the new image relays the old workers' stderr pipes (childlog.c):
# the access line of that second answer still reaches the log.
after=$(sed -n '/upgrade: rpxd re-executed, generation 2/,$p' "$WORK/rpxd.log")
n=0
for p in $old_workers; do
	n=$((n + $(grep -c "^rpxd-worker\[$p\]: access " <<<"$after")))
done
check "an old worker's log lines after the upgrade still reach the log" \
    test "$n" -ge 1
wait "$dl"
expect "an in-flight download completes across the upgrade" \
    "$(sha256sum < "$UPG/1m.got")" "$(sha256sum < "$WORK/nginx/1m.bin")"
left=0
for _ in $(seq 1 50); do
	left=0
	for p in $old_workers; do kill -0 "$p" 2>/dev/null && left=$((left + 1)); done
	[ "$left" -eq 0 ] && break
	sleep 0.1
done
expect "the old workers are gone once done" "$left" 0

# A new program that refuses the configuration: nothing changes.
printf '#!/bin/sh\necho "broken build: cannot load" >&2\nexit 1\n' \
    > "$UPG/bin/.rpxd.new"
chmod 755 "$UPG/bin/.rpxd.new"
mv "$UPG/bin/.rpxd.new" "$UPG/bin/rpxd"
err=$(uctl upgrade 2>&1)
expect "upgrade to a program that refuses: rpxctl exits 1" "$?" 1
expect_match "... with the program's own words" "$err" \
    "upgrade refused; the running program stays.*broken build: cannot load"
expect_match "... and generation 2 still serves" \
    "$(uctl status 2>&1 | head -1)" "^rpxd pid $RPXD_PID, generation 2,"
expect "... requests still served" "$(status_of http://127.0.0.1/small.txt)" 200

# SIGUSR2 does the same as rpxctl upgrade.
install_new
kill -USR2 "$RPXD_PID"
for _ in $(seq 1 50); do log_has "generation 3, 1 listener(s) kept" && break; sleep 0.1; done
check "SIGUSR2 upgrades too (generation 3)" log_has \
    "upgrade: rpxd re-executed, generation 3"
wait_workers 2 5
expect "... and serves" "$(status_of http://127.0.0.1/small.txt)" 200
