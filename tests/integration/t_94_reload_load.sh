# Reload and restart under load (issue 6): wrk on a plain (80) and a TLS
# (443) listener while ten SIGHUPs move rpxd through new generations, two
# busy workers get SIGTERM (they finish their connection and exit) and an
# idle one gets SIGKILL; wrk must see no error. Each reload swaps an extra
# listener (8181 <-> 8182): the added one answers, the removed one refuses.
# Rate-limited 10 MiB downloads span the reloads and arrive whole. Then a
# binary upgrade: new rpxd-worker/-health/-keys installed by rename and a
# SIGHUP move every child to them with no error in a second wrk run.
# Takes about 60 s.
start_nginx_tls || fail "nginx TLS backends start on 4443..4446"
P=$WORK/pki
RL=$WORK/reload-load
mkdir -p "$RL" "$WORK/nginx/dav/slow"
head -c 10485760 /dev/urandom > "$WORK/nginx/dav/slow/10m.bin"
RL_SUM=$(sha256sum < "$WORK/nginx/dav/slow/10m.bin" | cut -d' ' -f1)
RL_RATE=800k		# nginx sends a 10 MiB download in about 13 s

# rl_conf PORT: the configuration with the extra listener on PORT
rl_conf() {
	cat <<CONF
user = "nobody"
chroot = "$WORK/empty"
pidfile = "$WORK/rpxd.pid"
control-socket = "$WORK/rpxd.sock"
min-spare-workers = 8
max-spare-workers = 16
max-workers = 48
backend "siteA" { server = { "127.0.0.1:8080" } }
backend "dav" { server = { "127.0.0.1:8082" } }
listener "http" {
	address = "127.0.0.1"
	port = 80
	route "a" { host = { "lyncweb.example.com" } backend = "siteA" }
	route "dl" {
		host = { "lyncweb.example.com" }
		path = "/slow/*"
		backend = "dav"
	}
}
listener "https" {
	address = "127.0.0.1"
	port = 443
	tls { certificate "$P/lync-rsa.pem" { key = "$P/lync-rsa.key" } }
	route "a" { host = { "lyncweb.example.com" } backend = "siteA" }
	route "dl" {
		host = { "lyncweb.example.com" }
		path = "/slow/*"
		backend = "dav"
	}
}
listener "extra" {
	address = "127.0.0.1"
	port = $1
	route "a" { host = { "lyncweb.example.com" } backend = "siteA" }
}
CONF
}

# rl_wrk NAME URL SECONDS: wrk in the background, its output in $RL/NAME;
# SIGINT ends it early with its report (the reloads' pace sets the length:
# ten take 15 to 35 s on a 2-core machine that wrk keeps busy)
rl_wrk() {
	wrk -t1 -c6 -d"$3s" --timeout 5s -H 'Host: lyncweb.example.com' \
	    "$2" > "$RL/$1" 2>&1 &
	RL_WRK+=($!)
}

# rl_wrk_check NAME: what wrk saw: requests, no error, no bad status
rl_wrk_check() {
	local out=$RL/$1 n
	n=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$out")
	if [ "${n:-0}" -gt 0 ] && ! grep -q -e 'Socket errors' \
	    -e 'Non-2xx or 3xx' "$out"; then
		pass "$1: $n requests, no socket error, no non-2xx answer"
	else
		fail "$1: wrk saw errors or no request" \
		    "$(tr '\n' ' ' < "$out")"
	fi
}

# rl_busy_worker FILTER: a worker with an established TCP connection that
# matches the ss FILTER; rl_idle_worker: a worker with none at all. Both
# retry for 5 s (the pool grows to min-spare idle workers once a second).
rl_conn_pids() {
	ss -Htnp state established "$@" 2>/dev/null |
	    sed -n 's/.*"rpxd-worker",pid=\([0-9]*\).*/\1/p' | sort -u
}
rl_busy_worker() {
	local i w
	for i in $(seq 1 50); do
		w=$(rl_conn_pids "$1" | head -1)
		[ -n "$w" ] && { echo "$w"; return; }
		sleep 0.1
	done
}
# An idle worker is returned stopped (SIGSTOP), so that it cannot accept a
# connection between the look and the kill; a stopped worker found busy
# after all is let go on.
rl_idle_worker() {
	local i busy w
	for i in $(seq 1 50); do
		busy=$(rl_conn_pids)
		for w in $(workers); do
			grep -qx "$w" <<< "$busy" && continue
			kill -STOP "$w" 2>/dev/null || continue
			sleep 0.05
			if rl_conn_pids | grep -qx "$w"; then
				kill -CONT "$w"
				continue
			fi
			echo "$w"
			return
		done
		sleep 0.1
	done
}

# rl_download NAME URL [curl options]: a 10 MiB download from a slow
# backend (the client's socket buffer would swallow it from a fast one) in
# the background, its sha256 in $RL/NAME
rl_download() {
	local n=$1 u=$2
	shift 2
	(curl -s --max-time 60 \
	    -H 'Host: lyncweb.example.com' "$@" "$u" | sha256sum |
	    cut -d' ' -f1 > "$RL/$n") &
	RL_DL+=($!)
}

# rl_reload PORT GEN: SIGHUP into the configuration with the extra
# listener on PORT; waits for generation GEN to be logged
rl_reload() {
	local i
	rl_conf "$1" > "$RL/rpxd.conf"
	kill -HUP "$RPXD_PID"
	for i in $(seq 1 50); do
		# the tail only: the access log grows by megabytes
		tail -c 2000000 "$WORK/rpxd.log" |
		    grep -q "reload: generation $2 serving" && return 0
		sleep 0.1
	done
	return 1
}

# rl_refused PORT: connections to PORT are refused within 2 s
rl_refused() {
	local i
	for i in $(seq 1 20); do
		curl -s -o /dev/null --max-time 2 -H 'Host: lyncweb.example.com' \
		    "http://127.0.0.1:$1/"
		[ $? = 7 ] && return 0
		sleep 0.1
	done
	return 1
}

rl_conf 8181 > "$RL/rpxd.conf"
RL_WRK=()
RL_DL=()
if start_rpxd "$RL/rpxd.conf" && wait_port 127.0.0.1 443 5 &&
    wait_workers 8 5; then
	pass "rpxd starts with listeners on 80, 443 and 8181"
	rl_wrk wrk-plain "http://127.0.0.1/" 80
	rl_wrk wrk-tls "https://127.0.0.1/" 80
	# wrk's connections are made and kept: no new one is queued for
	# the worker killed here
	sleep 1
	idle=$(rl_idle_worker)
	if [ -n "$idle" ] && kill -KILL "$idle"; then
		pass "an idle worker ($idle) is killed with SIGKILL"
	else
		fail "an idle worker is found and killed"
	fi
	for p in http https; do
		for i in 1 2 3; do
			rl_download "dl-$p-$i" "$p://lyncweb.example.com/slow/10m.bin?rate=$RL_RATE" \
			    --cacert "$P/ca.pem" \
			    --resolve "lyncweb.example.com:80:127.0.0.1" \
			    --resolve "lyncweb.example.com:443:127.0.0.1"
		done
	done
	gen=1
	sleep 1
	# SIGTERM to two workers of this generation: one sending a download,
	# one serving wrk; each finishes its connection and exits
	termed=
	for f in "( dport = :8082 )" "( sport = :443 )"; do
		w=$(rl_busy_worker "$f")
		[ -n "$w" ] && kill -TERM "$w" && termed="$termed $w"
	done
	added_ok=0 removed_ok=0

	for i in $(seq 1 10); do
		if [ $((i % 2)) = 1 ]; then new=8182 old=8181; else
			new=8181 old=8182; fi
		gen=$((gen + 1))
		rl_reload "$new" "$gen" || fail "reload $i: generation $gen"
		[ "$(status_of -H 'Host: lyncweb.example.com' \
		    "http://127.0.0.1:$new/")" = 200 ] && added_ok=$((added_ok + 1))
		rl_refused "$old" && removed_ok=$((removed_ok + 1))
		sleep 0.5
	done
	check "the ten reloads happen while both wrk runs go on" \
	    kill -0 "${RL_WRK[@]}"
	expect "the listener each reload adds answers 200 (10 reloads)" \
	    "$added_ok" 10
	expect "the listener each reload removes refuses connections" \
	    "$removed_ok" 10
	expect "a worker downloading and one serving wrk got SIGTERM" \
	    "$(wc -w <<< "$termed")" 2
	sleep 1
	kill -INT "${RL_WRK[@]}"
	wait "${RL_WRK[@]}"
	rl_wrk_check wrk-plain
	rl_wrk_check wrk-tls
	wait "${RL_DL[@]}"
	for f in "$RL"/dl-*; do
		expect "$(basename "$f"): 10 MiB download across the reloads" \
		    "$(cat "$f")" "$RL_SUM"
	done
	for w in $termed; do
		kill -0 "$w" 2>/dev/null &&
		    fail "worker $w exits after SIGTERM and its connection"
		grep -q "rpxd-worker\[$w\]: worker: SIGTERM" "$WORK/rpxd.log" ||
		    fail "worker $w logs that SIGTERM stops it"
	done
	# An idle keep-alive connection of an old worker is kept past the
	# reload: its next request, 2 s later, gets 200 and Connection: close
	exec 3<>/dev/tcp/127.0.0.1/80
	printf 'GET / HTTP/1.1\r\nHost: lyncweb.example.com\r\n\r\n' >&3
	len=0
	while IFS= read -r -t 5 line <&3 && [ "$line" != $'\r' ]; do
		[[ $line =~ ^Content-Length:\ ([0-9]+) ]] &&
		    len=${BASH_REMATCH[1]}
	done
	read -r -t 5 -N "$len" _ <&3
	rl_reload 8181 $((gen + 1)) || fail "reload: generation $((gen + 1))"
	sleep 2
	printf 'GET / HTTP/1.1\r\nHost: lyncweb.example.com\r\n\r\n' >&3
	second=$(timeout 5 cat <&3 | tr -d '\r')
	exec 3<&-
	expect_match "a keep-alive request 2 s after a reload: 200, then close" \
	    "$(head -1 <<< "$second") $(grep -ci '^Connection: close' \
	    <<< "$second")" '^HTTP/1.1 200 .* 1$'
	kill -0 "$RPXD_PID" 2>/dev/null && wait_workers 8 5
	check "the master is up with its pool after the reloads" test $? = 0
else
	fail "rpxd starts with listeners on 80, 443 and 8181"
fi
stop_rpxd

# Binary upgrade: the master execs its children from -W's directory at
# each start, so new binaries installed by rename (never overwritten in
# place: a running program's file must not change) and a SIGHUP move
# every new child to them; the listeners stay open throughout.
UP=$RL/bin
mkdir -p "$UP"
for b in rpxd-worker rpxd-health rpxd-keys; do cp "$TOP/$b" "$UP/"; done
rl_conf 8181 > "$RL/rpxd.conf"
"$TOP/rpxd" -d -f "$RL/rpxd.conf" -W "$UP/rpxd-worker" \
    >>"$WORK/rpxd.log" 2>&1 &
RPXD_PID=$!
RL_WRK=()
if wait_port 127.0.0.1 443 5 && wait_workers 8 5; then
	rl_wrk wrk-upgrade-plain "http://127.0.0.1/" 12
	rl_wrk wrk-upgrade-tls "https://127.0.0.1/" 12
	# new connections all along: none may be refused or fail
	(n=0; end=$((SECONDS + 11)); while [ "$SECONDS" -lt "$end" ]; do
		for u in http://127.0.0.1/ https://127.0.0.1/; do
			[ "$(status_of -k -H 'Host: lyncweb.example.com' \
			    "$u")" = 200 ] || n=$((n + 1))
		done
	done; echo "$n" > "$RL/probe") &
	RL_PROBE=$!
	sleep 3
	for b in rpxd-worker rpxd-health rpxd-keys; do
		cp "$TOP/$b" "$UP/.$b.new" && mv -f "$UP/.$b.new" "$UP/$b"
	done
	kill -HUP "$RPXD_PID"
	old=1
	for i in $(seq 1 100); do
		old=0
		for c in $(pgrep -P "$RPXD_PID"); do
			e=$(readlink "/proc/$c/exe")
			[ -n "$e" ] || continue		# exited meanwhile
			case $e in
			"$UP"/rpxd-*" (deleted)"|"$UP"/.rpxd-*) old=$((old + 1)) ;;
			"$UP"/rpxd-*) ;;
			*) old=$((old + 1)) ;;
			esac
		done
		[ "$old" = 0 ] && break
		sleep 0.1
	done
	expect "after the SIGHUP every child runs the binaries installed" \
	    "$old" 0
	wait_workers 8 5
	check "new workers, started from the new rpxd-worker, serve" \
	    test "$(status_of -H 'Host: lyncweb.example.com' \
	    http://127.0.0.1/)" = 200
	wait "${RL_WRK[@]}" "$RL_PROBE"
	rl_wrk_check wrk-upgrade-plain
	rl_wrk_check wrk-upgrade-tls
	expect "no new connection refused or failed during the upgrade" \
	    "$(cat "$RL/probe")" 0
else
	fail "rpxd starts from a copy of its binaries"
fi
stop_rpxd
