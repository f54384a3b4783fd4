# The domain checkers' queue (ntlm-source = "winbind") cannot be taken by
# one client or by dying workers: with winbind stuck (a fake winbindd
# that never answers, so every login waits) and one checker, a worker
# killed while its client's login waits leaves the queue at once (log
# line), so 258 logins from one address fill the 256 places exactly and
# 2 are refused at once; a login from another address then still gets a
# place, taken from the newest login of the address holding the most
# (503 and a log line for that one). The 258 challenges come at once:
# more descriptors in flight to the master than a worker's RLIMIT_NOFILE
# made the kernel refuse the workers' sendmsg (ETOOMANYREFS), and they
# answered 503 instead of waiting. No domain controller needed: the
# fake winbindd listens on /run/samba/winbindd/pipe in a mount namespace
# of its own, as t_73's samba does. Takes about 10 s.
WQ_MARK=0
[ -f "$WORK/rpxd.log" ] && WQ_MARK=$(wc -l < "$WORK/rpxd.log")
wq_log() { tail -n "+$((WQ_MARK + 1))" "$WORK/rpxd.log"; }
WQ_FAKE=

wq_prereqs() {
	winbind_prereqs t_98 "winbind queue test" nsenter unshare ss
}

wq_conf() {
	base_conf 270 280 300
	cat <<CONF
log-level = "verbose"
ntlm-source = "winbind"
ntlm-domain = "CORP"
winbind-timeout = 20
winbind-checkers = 1
auth-failure-limit = 0
backend "a" { server = { "127.0.0.1:8080" } }
listener "http" {
	address = "127.0.0.1"
	port = 80
	route "ntlm" {
		host = { "ntlm.example.com" }
		backend = "a"
		auth = "ntlm"
	}
}
CONF
}

wq_curl() {	# source: an NTLM login of CORP\alice, its status
	curl -s -o /dev/null -w '%{http_code}' --max-time 30 \
	    -H 'Host: ntlm.example.com' --interface "$1" --ntlm \
	    -u 'CORP\alice:Al1ce-Pass!x' http://127.0.0.1/whoami
}

# The worker serving the client at source address $1, by its socket.
wq_worker_of() {
	ss -Htnp state established "( sport = :80 and dst $1 )" |
	    sed -n 's/.*"rpxd-worker",pid=\([0-9]*\).*/\1/p' | head -1
}

wq_tests() {
	local a_pid b_pid b_worker c_pid flood_pid i line
	wq_prereqs || return
	mkdir -p /run/samba	# the mount point; its contents stay the host's
	unshare -m --propagation private sh -c "mount -t tmpfs -o mode=755 \
	    rpxd-t98 /run/samba && exec python3 '$IT/fake_winbindd.py' \
	    /run/samba/winbindd/pipe" >"$WORK/fake_winbindd.log" 2>&1 &
	WQ_FAKE=$!
	EXTRA_PIDS+=("$WQ_FAKE")
	for i in $(seq 1 50); do
		nsenter -t "$WQ_FAKE" -m test -S /run/samba/winbindd/pipe \
		    2>/dev/null && break
		sleep 0.1
	done
	wq_conf > "$WORK/wq.conf"
	nsenter -t "$WQ_FAKE" -m -- "$TOP/rpxd" -d -f "$WORK/wq.conf" \
	    -W "$TOP/rpxd-worker" >>"$WORK/rpxd.log" 2>&1 &
	RPXD_PID=$!
	if ! wait_port 127.0.0.1 80 5 || ! wait_workers 270 30; then
		fail "rpxd starts with 270 workers and ntlm-source = winbind" \
		    "$(tail -3 "$WORK/rpxd.log" | tr '\n' ' ')"
		return
	fi
	# A: with the one checker, which hangs in winbind.
	wq_curl 127.0.0.4 > "$WORK/wq-a" & a_pid=$!
	sleep 1
	# B: queued behind it; then its worker is killed (a client of its
	# own: curl would try again on a new connection).
	python3 "$IT/login_flood.py" ntlm.example.com 127.0.0.5 1 \
	    "$WORK/wq-b" > "$WORK/wq-b.out" 2>&1 & b_pid=$!
	sleep 1
	b_worker=$(wq_worker_of 127.0.0.5)
	check "the worker of the queued login found ($b_worker)" test -n "$b_worker"
	kill -9 "$b_worker"
	for i in $(seq 1 30); do
		wq_log | grep -q "auth: worker $b_worker is gone; its client's queued login of CORP.mallory is dropped unchecked" && break
		sleep 0.1
	done
	check "a killed worker's queued login leaves the queue, with a log line" \
	    bash -c "tail -n +$((WQ_MARK + 1)) '$WORK/rpxd.log' | grep -q \
	    'auth: worker $b_worker is gone; its client.s queued login of CORP.mallory is dropped unchecked'"
	kill "$b_pid" 2>/dev/null
	wait "$b_pid" 2>/dev/null
	# One address fills the queue: 256 places, 2 refused at once.
	python3 "$IT/login_flood.py" ntlm.example.com 127.0.0.2 258 \
	    "$WORK/wq-flood" > "$WORK/wq-flood.out" 2>&1 & flood_pid=$!
	for i in $(seq 1 300); do
		[ -s "$WORK/wq-flood" ] && break
		kill -0 "$flood_pid" 2>/dev/null || break
		sleep 0.1
	done
	line=$(head -1 "$WORK/wq-flood" 2>/dev/null)
	expect "258 logins from one address: 256 queued, 2 refused at once ($(cat "$WORK/wq-flood.out"))" \
	    "$line" "sent=258 at_once=2"
	expect "rpxctl status shows the checker busy and the queue full" \
	    "$("$TOP/rpxctl" -s "$WORK/rpxd.sock" status | grep '^domain checkers:')" \
	    "domain checkers: 1 of 1 running (1 busy), 256 login(s) queued of 256, winbind-timeout 20 s"
	expect "... so do the metrics' gauges (queued, busy, idle)" \
	    "$("$TOP/rpxctl" -s "$WORK/rpxd.sock" metrics | grep -E '^rpxd_domain_(logins_queued|checkers\{state="(busy|idle)"\}) ' | sort | awk '{print $2}' | tr '\n' ' ')" \
	    "1 0 256 "
	expect "... each refusal logged" "$(wq_log | grep -c \
	    "client 127.0.0.2: NTLM login of CORP.mallory not checked: the domain checkers' queue is full; answered 503")" 2
	# C, from another address: queued, at the cost of the newest of .2.
	wq_curl 127.0.0.3 > "$WORK/wq-c" & c_pid=$!
	for i in $(seq 1 30); do
		wq_log | grep -q "holds the most places in it" && break
		sleep 0.1
	done
	check "another address's login takes a place from the address holding the most, logged" \
	    bash -c "tail -n +$((WQ_MARK + 1)) '$WORK/rpxd.log' | grep -q \
	    \"client 127.0.0.2: NTLM login of CORP.mallory not checked: the domain checkers' queue is full, and this address holds the most places in it; answered 503\""
	expect "the metrics count the three logins answered 503 unchecked" \
	    "$("$TOP/rpxctl" -s "$WORK/rpxd.sock" metrics | grep '^rpxd_ntlm_logins_total{result="unavailable"} ')" \
	    'rpxd_ntlm_logins_total{result="unavailable"} 3'
	sleep 1
	check "... and is waiting for the domain, not refused" kill -0 "$c_pid"
	check "... no login of the other address was refused for a full queue" \
	    bash -c "! tail -n +$((WQ_MARK + 1)) '$WORK/rpxd.log' | grep -q 'client 127.0.0.3: .*queue is full'"
	stop_rpxd
	wait "$a_pid" "$c_pid" "$flood_pid" 2>/dev/null
	expect "queued logins get 503 when rpxd stops, never a login (A/C)" \
	    "$(cat "$WORK/wq-a")/$(cat "$WORK/wq-c")" "503/503"
	kill "$WQ_FAKE" 2>/dev/null
	wait "$WQ_FAKE" 2>/dev/null
}

wq_tests
