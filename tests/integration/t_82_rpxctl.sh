# rpxctl and the control socket: a root-only socket; status (workers with
# their client, listener and route; backends with checks, active and pinned
# connections) as text and JSON; reload, log level at run time, show config
# that rpxd -n accepts again, stop; and the refusals.

CTL_SOCK="$WORK/rpxd.sock"
ctl() { "$TOP/rpxctl" -s "$CTL_SOCK" "$@"; }
json_get() {	# python expression on the JSON document j, read from stdin
	python3 -c 'import json,sys; j=json.load(sys.stdin); print('"$1"')'
}

ctl_conf() {	# extra route name
	base_conf
	cat <<CONF
backend "A" {
	server = { "127.0.0.1:8080" }
	health-check { path = "/" interval = 1 timeout = 1 rise = 1 fall = 1 }
}
backend "dead" {
	server = { "127.0.0.1:9" }
	health-check { path = "/" interval = 1 timeout = 1 rise = 1 fall = 1 }
}
listener "http" {
	address = "127.0.0.1"
	port = 80
	route "gone" { path = "/gone/*" backend = "dead" }
	route "$1" { path = "/$1/*" backend = "A" }
	route "all" { backend = "A" }
}
CONF
}

ctl_conf extra1 > "$WORK/ctl.conf"
start_rpxd "$WORK/ctl.conf" || fail "rpxd starts with a control socket"

expect "control socket: a socket, mode 0600, owned by root" \
    "$(stat -c '%F %a %U' "$CTL_SOCK" 2>&1)" "socket 600 root"

# Status as text: the generation, every worker by pid.
out=$(ctl status)
expect "rpxctl status exits 0" "$?" 0
expect_match "status names the generation" "$out" "generation 1,"
missing=0
for p in $(workers); do
	grep -q "^$p " <<<"$out" || missing=$((missing + 1))
done
expect "status lists every worker's pid" "$missing/$(workers | wc -l)" \
    "0/$(workers | wc -l)"

# A connection held open after an NTLM request: its worker is busy with
# the client, listener and route, and the server counts it as pinned.
python3 "$IT/rawhttp.py" --pause 4 \
    'GET /extra1/x HTTP/1.1\r\nHost: a\r\nAuthorization: NTLM TlRMTVNTUAABAAAAB4IIogAAAAAAAAAAAAAAAAAAAAAGAbEdAAAADw==\r\n\r\n' \
    'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n' \
    >"$WORK/ctl-raw.out" 2>&1 &
raw=$!
sleep 1.5
out=$(ctl status)
expect_match "status: a busy worker shows its client, listener and route" \
    "$out" "busy +[0-9]+ +[0-9]+ +[0-9]+s +http +extra1 +127\.0\.0\.1:[0-9]+"
js=$(ctl -j status)
expect "rpxctl -j status exits 0" "$?" 0
expect "JSON: the busy worker's route" "$(json_get \
    '[w["route"] for w in j["workers"] if w["state"]=="busy"]' <<<"$js")" \
    "['extra1']"
expect "JSON: server A has one pinned connection, one active" \
    "$(json_get '[(s["pinned"],s["active"]) for b in j["backends"] for s in b["servers"] if b["name"]=="A"]' <<<"$js")" \
    "[(1, 1)]"
expect "JSON: the worker pids are the master's children" \
    "$(json_get '" ".join(str(p) for p in sorted(w["pid"] for w in j["workers"]))' <<<"$js")" \
    "$(workers | tr '\n' ' ' | sed 's/ $//')"
wait "$raw"
expect "the held connection got both answers" \
    "$(grep -c '^HTTP/1.1 200' "$WORK/ctl-raw.out")" 2
sleep 0.5
expect "the pinned count drops when the client leaves" \
    "$(ctl -j status | json_get '[s["pinned"] for b in j["backends"] for s in b["servers"] if b["name"]=="A"]')" \
    "[0]"

# Health: the dead server is checked down, the live one up, with its status.
for _ in $(seq 1 40); do
	ctl status | grep -q '^dead .* down ' && break
	sleep 0.1
done
out=$(ctl status)
expect_match "status: a dead server is down, its check failed" "$out" \
    "dead +127\.0\.0\.1:9 +down +failed"
expect_match "status: a live server is up, its check got 200" "$out" \
    "A +127\.0\.0\.1:8080 +up +200"

# Log level at run time, in the workers that are already running.
before=$(workers | tr '\n' ' ')
expect "rpxctl log debug" "$(ctl log debug)" "log level debug"
curl -s -o /dev/null --max-time 5 http://127.0.0.1/
sleep 0.3
dbg=$(grep -c 'session: client 127.0.0.1:[0-9]* on listener "http"' \
    "$WORK/rpxd.log")
dpid=$(grep 'session: client 127.0.0.1:[0-9]* on listener "http"' \
    "$WORK/rpxd.log" | tail -1 | sed -n 's/^rpxd-worker\[\([0-9]*\)\].*/\1/p')
check "a running worker logs at debug after rpxctl log debug" \
    test "$dbg" -ge 1 -a -n "$dpid"
expect_match "... a worker that was there before" " $before" " $dpid "
expect "rpxctl log (no level) shows it" "$(ctl log)" "log level debug"
expect "rpxctl log brief" "$(ctl log brief)" "log level brief"
curl -s -o /dev/null --max-time 5 http://127.0.0.1/
sleep 0.3
expect "no debug lines at brief" "$(grep -c 'session: client 127.0.0.1:[0-9]* on listener' "$WORK/rpxd.log")" "$dbg"
err=$(ctl log loud 2>&1)
expect "an unknown level exits 1" "$?" 1
expect_match "... and says which levels exist" "$err" 'unknown log level "loud" \(brief, verbose, debug\)'

# show config: every default, in a form rpxd accepts again.
ctl show config > "$WORK/ctl-shown.conf"
expect_match "show config has the defaults" "$(cat "$WORK/ctl-shown.conf")" \
    'client-idle-timeout = 120'
expect_match "rpxd -n accepts show config's output" \
    "$("$TOP/rpxd" -n -f "$WORK/ctl-shown.conf" 2>&1)" "configuration OK"
expect "show config -j: the route names" \
    "$(ctl -j show config | json_get '[r["name"] for l in j["listener"] for r in l["route"]]')" \
    "['gone', 'extra1', 'all']"

# Reload: a new route answers; a broken file is refused with its line.
ctl_conf extra2 > "$WORK/ctl.conf"
out=$(ctl reload)
expect "rpxctl reload exits 0" "$?" 0
expect_match "... and names the new generation" "$out" "generation 2 serving"
expect "the reloaded route answers" \
    "$(curl -s --max-time 5 http://127.0.0.1/extra2/x | sed -n 's/.*uri=\([^ ]*\).*/\1/p')" \
    "/extra2/x"
printf 'listener "x" { port = "eighty" }\n' >> "$WORK/ctl.conf"
err=$(ctl reload 2>&1)
expect "a broken reload exits 1" "$?" 1
expect_match "... naming the file and line" "$err" "ctl.conf:[0-9]+: "
expect_match "... and keeping generation 2" "$err" "kept generation 2"
expect_match "status still says generation 2" "$(ctl status)" "generation 2,"

# Refusals: a bad command, an over-long line, a non-root client.
err=$(ctl frob 2>&1)
expect "an unknown command exits 1" "$?" 1
expect_match "... listing the commands" "$err" 'unknown command "frob"'
long=$(python3 - "$CTL_SOCK" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"s" * 400)
print(s.recv(200).decode().strip())
PY
)
expect "an over-long request line is refused" "$long" \
    "error: request line too long"
out=$(su nobody -s /bin/sh -c "'$TOP/rpxctl' -s '$CTL_SOCK' status" 2>&1)
expect "a non-root user cannot connect (mode 0600)" "$?" 3
chmod 666 "$CTL_SOCK"
out=$(su nobody -s /bin/sh -c "'$TOP/rpxctl' -s '$CTL_SOCK' status" 2>&1)
expect "... nor through a socket made world-writable (peer check)" "$?" 3
chmod 600 "$CTL_SOCK"
check "... and the master logs the refusal" log_has \
    "control: refused a connection from a process not running as root"

# A second rpxd on the same control socket refuses to start; a stale
# socket file (no one listening) is replaced.
sed -e 's/port = 80/port = 8099/' -e "s|$WORK/rpxd.pid|$WORK/rpxd2.pid|" \
    "$WORK/ctl.conf" | grep -v 'eighty' > "$WORK/ctl2.conf"
out=$(timeout 10 "$TOP/rpxd" -d -f "$WORK/ctl2.conf" -W "$TOP/rpxd-worker" 2>&1)
expect "a second rpxd on the same control socket exits 1" "$?" 1
expect_match "... saying another rpxd answers there" "$out" \
    "control-socket $CTL_SOCK: another rpxd answers there"

# stop: answered, then the master exits and removes its socket.
out=$(ctl stop)
expect "rpxctl stop exits 0" "$?" 0
expect_match "... and says so" "$out" "stopping; workers have"
for _ in $(seq 1 100); do kill -0 "$RPXD_PID" 2>/dev/null || break; sleep 0.1; done
check "the master exits after rpxctl stop" sh -c "! kill -0 $RPXD_PID 2>/dev/null"
check "... and removes its control socket" test ! -e "$CTL_SOCK"
wait "$RPXD_PID" 2>/dev/null
RPXD_PID=

python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$CTL_SOCK"
ctl_conf extra1 > "$WORK/ctl.conf"
start_rpxd "$WORK/ctl.conf"
expect_match "a stale socket file is replaced at start" "$(ctl status)" \
    "generation 1,"
out=$(ctl status 2>&1 >/dev/null; "$TOP/rpxctl" -s "$WORK/nothing.sock" status 2>&1)
expect_match "rpxctl without rpxd says so" "$out" "cannot reach rpxd at"

# show config misses no option: with a TLS listener, a TLS backend and a
# health check, the JSON names every option of the parser's tables (unset
# ones as null), and the text form loads again with rpxd -n.
stop_rpxd
. "$IT/tls_pki.sh"
make_pki "$WORK/pki" || fail "the test PKI is made"
{
	base_conf
	cat <<CONF
backend "fe" {
	server = { "127.0.0.1:4443" }
	tls = true
	ca-file = "$WORK/pki/ca.pem"
	verify-name = "fe01.corp.local"
	health-check { path = "/" interval = 5 timeout = 2 status = { 200, 204 } }
}
listener "https" {
	address = "127.0.0.1"
	port = 8443
	tls {
		certificate "$WORK/pki/lync-rsa.pem" { key = "$WORK/pki/lync-rsa.key" }
	}
	route "all" { backend = "fe" }
}
listener "http" {
	address = "127.0.0.1"
	port = 80
	route "all" { backend = "fe" }
}
CONF
} > "$WORK/ctl-tls.conf"
start_rpxd "$WORK/ctl-tls.conf" || fail "rpxd starts with a TLS listener"
ctl -j show config > "$WORK/ctl-shown.json"
out=$(python3 "$IT/manpage_options.py" "$TOP" json "$WORK/ctl-shown.json" 2>&1)
expect "show config -j names every option of the parser" "$out" ""
ctl show config > "$WORK/ctl-shown-tls.conf"
expect_match "rpxd -n accepts show config's TLS output" \
    "$("$TOP/rpxd" -n -f "$WORK/ctl-shown-tls.conf" 2>&1)" "configuration OK"
