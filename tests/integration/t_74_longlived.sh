# Long-lived Exchange / Lync traffic: an RPC_IN_DATA body of 1 GiB that
# sends 4 KiB, idles 90 s and sends more is streamed at once and not cut
# within the route's idle-timeout; a long poll outlives the global
# backend-timeout on a route that allows it.
start_python_args() {	# script port args...
	local script=$1 port=$2
	shift 2
	python3 "$IT/$script" "$port" "$@" >"$WORK/$script.log" 2>&1 &
	EXTRA_PIDS+=($!)
	wait_port 127.0.0.1 "$port" 5
}

{
	base_conf
	cat <<CONF
backend-timeout = 5
idle-timeout = 30
backend "exchange" { server = { "127.0.0.1:8084" } }
backend "poll" { server = { "127.0.0.1:8083" } }
listener "http" {
	address = "127.0.0.1"
	port = 80
	route "rpc" {
		host = { "mail.example.com" }
		path = "/rpc/*"
		backend = "exchange"
		idle-timeout = 120
	}
	route "ucwa" {
		host = { "lync.example.com" }
		backend = "poll"
		backend-timeout = 15
	}
}
CONF
} > "$WORK/longlived.conf"

longlived_rpc() {
	local count=$WORK/rpc.count out mark
	rm -f "$count" "$count.head"
	mark=$(wc -l < "$WORK/rpxd.log")
	start_python_args rpc_backend.py 8084 "$count" ||
	    { fail "rpc backend starts"; return; }
	python3 "$IT/rpc_client.py" 80 90 >"$WORK/rpc_client.out" 2>&1 &
	local client=$!
	sleep 2
	expect "RPC_IN_DATA: the first 4 KiB reach the backend at once" \
	    "$(cat "$count" 2>/dev/null)" 4096
	check "RPC_IN_DATA: forwarded with its 1 GiB Content-Length" \
	    grep -qi '^content-length: 1073741824' "$count.head"
	wait "$client"
	out=$(tr '\n' ' ' < "$WORK/rpc_client.out")
	expect "RPC_IN_DATA: still open after 90 s of silence" "$out" \
	    "sent 4096 sent 8192 open "
	expect "RPC_IN_DATA: the bytes after the silence arrive too" \
	    "$(cat "$count" 2>/dev/null)" 8192
	check "RPC_IN_DATA: no timeout logged" bash -c "! tail -n +$((mark + 1)) \
	    '$WORK/rpxd.log' | grep -q 'timeout'"
}

# WebSocket on a connection that NTLM pins (an Authorization: NTLM type 3
# token: "TlRMTVNTUAADAAAA" is the NTLMSSP signature and type 3) and on
# one it does not.
longlived_websocket() {
	local r mark
	mark=$(wc -l < "$WORK/rpxd.log")
	r=$(python3 "$IT/ws_client.py" 80 lync.example.com | tr '\n' ' ')
	expect "WebSocket on an unpinned connection" "$r" \
	    "HTTP/1.1 101 Switching Protocols ping-1 ping-2 "
	r=$(python3 "$IT/ws_client.py" 80 lync.example.com \
	    "NTLM TlRMTVNTUAADAAAAGAAYAEAAAAA=" | tr '\n' ' ')
	expect "WebSocket on a pinned connection" "$r" \
	    "HTTP/1.1 101 Switching Protocols ping-1 ping-2 "
	sleep 0.5
	check "WebSocket: the pinned upgrade is logged with auth=ntlm3 pin=yes" \
	    bash -c "tail -n +$((mark + 1)) '$WORK/rpxd.log' | grep -q \
	    'path=/ws status=101 .* auth=ntlm3/- pin=yes'"
}

# GET /silent is never answered by upgrade_backend.py (it closes after
# 30 s): with backend-timeout = 15 on the route the proxy waits longer
# than the global 5 s and answers 504 at about 15 s.
longlived_poll() {
	local start end code
	start=$(date +%s)
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 40 \
	    -H 'Host: lync.example.com' http://127.0.0.1/silent)
	end=$(date +%s)
	expect "long poll: the route's backend-timeout answers 504" "$code" 504
	check "long poll: not cut at the global 5 s ($((end - start)) s)" \
	    test $((end - start)) -ge 14
}

start_rpxd "$WORK/longlived.conf" || fail "rpxd starts"
longlived_poll
longlived_websocket
longlived_rpc
