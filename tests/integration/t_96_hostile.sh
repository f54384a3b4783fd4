# A hostile child must not stop or slow the master (issue 13, item 1):
# tests/hostile/rpxd-hostile runs in the template's place and forks every
# other worker as a hostile one (the real template, which it starts,
# forks the others), or in the place of the health checker; it takes its
# setup like a real child, then sends a stalled partial frame, a header
# announcing 16 MiB, a header of a type a worker never sends, a flood of
# ntlm checks, ntlm checks whose answers it never reads, signature
# requests to its key holder whose answers it never reads, or as many as
# the holder takes with every answer read; or, as the health checker, part
# of a header. Each time:
# rpxctl status answers within 3 s, the real workers keep serving curl,
# the offender is killed and the log says why, SIGTERM stops rpxd within
# its shutdown-timeout; and the time from a stalled frame to its sender's
# death is measured and printed. Takes about 80 s.
HO=$WORK/hostile
HO_BIN=$TOP/tests/hostile/rpxd-hostile
HO_SHUTDOWN=4
HO_MARK=0

ho_log() { tail -n "+$((HO_MARK + 1))" "$WORK/rpxd.log"; }
ho_log_has() { ho_log | grep -q -- "$1"; }
ho_ms() { date +%s%3N; }

ho_conf() {
	cat <<CONF
user = "nobody"
chroot = "$WORK/empty"
pidfile = "$WORK/rpxd.pid"
control-socket = "$WORK/rpxd.sock"
min-spare-workers = 2
max-spare-workers = 4
max-workers = 6
shutdown-timeout = $HO_SHUTDOWN
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
	[ -n "${1:-}" ] && cat <<CONF
key-holders = 1
listener "https" {
	address = "127.0.0.1"
	port = 443
	tls { certificate "$WORK/pki/lync-ecdsa.pem" { key = "$WORK/pki/lync-ecdsa.key" } }
	route "all" { backend = "A" }
}
CONF
}

# ho_start WORKER-ATTACK REAL-EVERY HEALTH-ATTACK [KEY-ID]
ho_start() {
	rm -f "$HO"/hostile.*
	printf 'worker %s\nreal-every %s\nhealth %s\nkeyid %s\n' "$1" "$2" \
	    "$3" "${4:-}" > "$HO/hostile.conf"
	HO_MARK=0
	[ -f "$WORK/rpxd.log" ] && HO_MARK=$(wc -l < "$WORK/rpxd.log")
	"$TOP/rpxd" -d -f "$WORK/hostile.conf" -W "$HO/rpxd-worker" \
	    >>"$WORK/rpxd.log" 2>&1 &
	RPXD_PID=$!
	wait_port 127.0.0.1 "$RPXD_PORT" 5
}

# ho_first_attacker: the pid of the first child that attacked (waits 8 s).
ho_first_attacker() {
	local i f
	for ((i = 0; i < 80; i++)); do
		f=$(ls -tr "$HO"/hostile.[0-9]* 2>/dev/null | head -1)
		[ -n "$f" ] && { echo "${f##*.}"; return 0; }
		sleep 0.1
	done
	return 1
}

# ho_gone PID SECONDS: the process has died (gone, or a zombie) in time.
ho_gone() {
	local i st
	for ((i = 0; i < $2 * 50; i++)); do
		st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)
		[ -z "$st" ] || [ "$st" = Z ] && return 0
		sleep 0.02
	done
	return 1
}

# ho_responsive NAME: rpxctl status answers within 3 s, three times.
ho_responsive() {
	local i t0 ok=1 took=
	for i in 1 2 3; do
		t0=$(ho_ms)
		timeout 3 "$TOP/rpxctl" -s "$WORK/rpxd.sock" status \
		    >/dev/null 2>&1 || ok=0
		took="$took $(( $(ho_ms) - t0 ))ms"
		sleep 0.5
	done
	if [ "$ok" = 1 ]; then pass "$1: rpxctl status answers ($took)"
	else fail "$1: rpxctl status answers within 3 s" "took$took"; fi
}

# ho_serving NAME: the real workers answer five requests in a row.
ho_serving() {
	local i codes=
	for i in 1 2 3 4 5; do
		codes="$codes $(status_of http://127.0.0.1/small.txt \
		    --max-time 3)"
	done
	expect "$1: real workers keep serving" "$codes" " 200 200 200 200 200"
}

# ho_stop NAME: SIGTERM ends rpxd within shutdown-timeout and 3 s.
ho_stop() {
	local t0 i
	t0=$(ho_ms)
	kill -TERM "$RPXD_PID" 2>/dev/null
	for ((i = 0; i < (HO_SHUTDOWN + 3) * 10; i++)); do
		kill -0 "$RPXD_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$RPXD_PID" 2>/dev/null; then
		fail "$1: SIGTERM stops rpxd within $((HO_SHUTDOWN + 3)) s"
	else
		pass "$1: SIGTERM stops rpxd ($(( $(ho_ms) - t0 )) ms)"
	fi
	stop_rpxd
}

# ho_killed NAME PID LOG-TEXT: the master killed it and said why.
ho_killed() {
	check "$1: the offender is killed" ho_gone "$2" 6
	local i
	for ((i = 0; i < 30; i++)); do
		ho_log | grep -q -- "$2.*$3" && break
		sleep 0.1
	done
	if ho_log | grep -q -- "$2.*$3"; then
		pass "$1: the log says why ($(ho_log | grep -m1 -- "$2.*$3" |
		    sed 's/^.*\(pool\|health\): //' | cut -c1-110))"
	else
		fail "$1: the log says '$3' for $2"
	fi
}

if [ ! -x "$HO_BIN" ]; then
	fail "tests/hostile/rpxd-hostile is built (make integration-check" \
	    "builds it)"
else
mkdir -p "$HO"
# The master finds the key holder and the checker beside the worker.
cp "$HO_BIN" "$HO/rpxd-worker"
cp "$HO_BIN" "$HO/rpxd-health"
ln -sf "$TOP/rpxd-worker" "$HO/rpxd-worker-real"
ln -sf "$TOP/rpxd-health" "$HO/rpxd-health-real"
ln -sf "$TOP/rpxd-keys" "$HO/rpxd-keys"
ho_conf > "$WORK/hostile.conf"

# 1. A stalled partial frame: killed after IPC_PARTIAL_TIMEOUT_MS.
ho_start stall 2 none || fail "stall: rpxd starts"
if pid=$(ho_first_attacker); then
	sent=$(awk '{print $2}' "$HO/hostile.$pid")
	if ho_gone "$pid" 8; then
		took=$(( $(ho_ms) - sent ))
		echo "     measured: the master killed a stalled worker" \
		    "$took ms after its partial frame"
		check "stall: killed 2 s (+1 s) after its partial frame" \
		    test "$took" -ge 1900 -a "$took" -le 3000
	else
		fail "stall: the master kills a worker that stalls a frame"
	fi
	ho_killed stall "$pid" "sent a partial frame and stalled"
else
	fail "stall: a hostile worker attacks"
fi
ho_responsive stall
ho_serving stall
ho_stop stall

# 2. A header announcing 16 MiB: refused as soon as the header is in.
ho_start oversize 2 none || fail "oversize: rpxd starts"
if pid=$(ho_first_attacker); then
	sent=$(awk '{print $2}' "$HO/hostile.$pid")
	ho_killed oversize "$pid" "a payload longer than its type allows"
	took=$(( $(ho_ms) - sent ))
	check "oversize: killed at once, not after a deadline ($took ms)" \
	    test "$took" -lt 1500
else
	fail "oversize: a hostile worker attacks"
fi
ho_responsive oversize
ho_serving oversize
ho_stop oversize

# 3. A type a worker never sends, announcing more than it sends.
ho_start badtype 2 none || fail "badtype: rpxd starts"
if pid=$(ho_first_attacker); then
	ho_killed badtype "$pid" "a message type it may not send"
else
	fail "badtype: a hostile worker attacks"
fi
ho_responsive badtype
ho_serving badtype
ho_stop badtype

# 4. ntlm checks whose answers are never read: the master's end fills.
ho_start noread 2 none || fail "noread: rpxd starts"
if pid=$(ho_first_attacker); then
	sent=$(awk '{print $2}' "$HO/hostile.$pid")
	ho_gone "$pid" 8
	took=$(( $(ho_ms) - sent ))
	check "noread: killed once its socket is full ($took ms)" \
	    test "$took" -lt 1500
	ho_killed noread "$pid" "does not read its socket"
else
	fail "noread: a hostile worker attacks"
fi
ho_responsive noread
ho_serving noread
ho_stop noread

# 5. A flood of well-formed checks: the master serves everybody in turn.
ho_start flood 2 none || fail "flood: rpxd starts"
if ho_first_attacker >/dev/null; then
	ho_responsive flood
	ho_serving flood
else
	fail "flood: a hostile worker attacks"
fi
ho_stop flood

# 6. The health checker stalls in a header: killed, logged, restarted.
ho_start stall 1 halfheader || fail "health: rpxd starts"
if pid=$(ho_first_attacker); then
	sent=$(awk '{print $2}' "$HO/hostile.$pid")
	if ho_gone "$pid" 8; then
		echo "     measured: the master killed a stalled checker" \
		    "$(( $(ho_ms) - sent )) ms after its partial frame"
	fi
	ho_killed health "$pid" "sent a partial frame and stalled"
else
	fail "health: a hostile checker attacks"
fi
ho_responsive health
ho_serving health
ho_stop health

# ho_handshakes N: N TLS handshakes at once (each a real worker's, signed
# by the key holder); their status codes, sorted.
ho_handshakes() {
	local i p pids=()
	for ((i = 0; i < $1; i++)); do
		status_of -k --max-time 10 https://127.0.0.1/small.txt \
		    > "$HO/hs.$i" &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p"; done
	for ((i = 0; i < $1; i++)); do cat "$HO/hs.$i"; echo; done |
	    sort | tr '\n' ' '
}

# 7. Signature requests to the key holder, answers never read: the
# holder closes that channel and keeps signing for the real workers,
# also for handshakes that arrive while the flood is under way.
if start_nginx_tls; then
	ho_conf tls > "$WORK/hostile.conf"
	keyid=$(openssl x509 -in "$WORK/pki/lync-ecdsa.pem" -pubkey -noout |
	    openssl pkey -pubin -outform DER | sha256sum | cut -d' ' -f1)
	ho_start keynoread 2 none "$keyid" || fail "keys: rpxd starts"
	codes=$(ho_handshakes 6)
	expect "keys: handshakes during the flood all succeed" "$codes" \
	    "200 200 200 200 200 200 "
	if pid=$(ho_first_attacker); then
		# The holder names a worker by its scoreboard slot.
		slot=$(awk '{print $3}' "$HO/hostile.$pid")
		for ((i = 0; i < 50; i++)); do
			ho_log | grep -q "keys: the worker of slot $slot does not read" &&
			    break
			sleep 0.1
		done
		check "keys: the holder drops a worker that does not read" \
		    ho_log_has "keys: the worker of slot $slot does not read its answers"
	else
		fail "keys: a hostile worker attacks"
	fi
	codes=
	for i in 1 2 3 4 5; do
		codes="$codes $(status_of -k --max-time 3 \
		    https://127.0.0.1/small.txt)"
	done
	expect "keys: real workers still get signatures (TLS handshakes)" \
	    "$codes" " 200 200 200 200 200"
	ho_responsive keys
	ho_stop keys

	# 8. Signature requests as fast as the holder takes them, every
	# answer read: the holder has no reason to close the channel and
	# signs for the flooder in every batch, and for every real worker's
	# handshake beside it, one request per worker per batch.
	ho_start keyflood 2 none "$keyid" || fail "keyflood: rpxd starts"
	if pid=$(ho_first_attacker); then
		hk=$(pgrep -P "$RPXD_PID" -x rpxd-keys | head -1)
		t0=$(awk '{print $14 + $15}' "/proc/$hk/stat")
		sleep 1
		echo "   (keyflood: the key holder signed for $(( $(awk \
		    '{print $14 + $15}' "/proc/$hk/stat") - t0 )) ticks of 1 s)"
		expect "keyflood: handshakes beside the flood all succeed" \
		    "$(ho_handshakes 6)" "200 200 200 200 200 200 "
		check "keyflood: the flooder is still flooding" kill -0 "$pid"
		slot=$(awk '{print $3}' "$HO/hostile.$pid")
		check "keyflood: ... with its channel (it reads its answers)" \
		    bash -c "! tail -n +$((HO_MARK + 1)) '$WORK/rpxd.log' |
		    grep -q 'keys: the worker of slot $slot '"
	else
		fail "keyflood: a hostile worker attacks"
	fi
	ho_responsive keyflood
	ho_stop keyflood
else
	fail "keys: the test PKI and nginx TLS backends start"
fi
fi
