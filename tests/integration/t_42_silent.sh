# Connections that never send a byte do not hold workers (issue 14): with
# a pool of two workers and a client-header-timeout of 30 s, twenty silent
# connections are open while curl is still answered at once (the kernel
# keeps them until their first byte: TCP_DEFER_ACCEPT on Linux).
silent_conf() {
	base_conf 2 2 2
	cat <<CONF
client-header-timeout = 30
backend "siteA" { server = { "127.0.0.1:8080" } }
listener "http" {
	address = "127.0.0.1"
	port = 80
	route "lync" { host = { "lyncweb.example.com" } backend = "siteA" }
}
CONF
}

silent_tests() {
	local holder r t0 t1 busy
	silent_conf > "$WORK/silent.conf"
	start_rpxd "$WORK/silent.conf" || { fail "rpxd starts with two workers"; return; }
	python3 - > "$WORK/silent.out" 2>&1 <<'PY' &
import socket, sys, time
held = [socket.create_connection(("127.0.0.1", 80), timeout=5) for _ in range(20)]
print("held", len(held), flush=True)
time.sleep(8)
PY
	holder=$!
	EXTRA_PIDS+=("$holder")
	for _ in $(seq 1 50); do grep -q held "$WORK/silent.out" && break; sleep 0.1; done
	expect "twenty silent connections are open" "$(cat "$WORK/silent.out")" "held 20"
	sleep 1
	t0=$(date +%s%N)
	r=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
	    -H 'Host: lyncweb.example.com' http://127.0.0.1/small)
	t1=$(date +%s%N)
	expect "curl beside them on a pool of two workers gets 200" "$r" 200
	# Held workers would leave curl waiting out its 5 s (the silent
	# connections live 8 s); 4 s leaves room for a loaded machine.
	check "... within 4 s, not after the silent ones" \
	    test $(((t1 - t0) / 1000000)) -lt 4000
	busy=$("$TOP/rpxctl" -s "$WORK/rpxd.sock" status | grep -c ' busy ')
	expect "rpxctl status: no worker is busy with a silent connection" "$busy" 0
	kill "$holder" 2>/dev/null
	wait "$holder" 2>/dev/null
	stop_rpxd
}

silent_tests
