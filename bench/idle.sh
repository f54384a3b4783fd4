#!/usr/bin/env bash
# Benchmark, idle-many scenario (issue 14): what N idle keep-alive
# connections cost rpxd, HAProxy and nginx, and whether the proxy still
# serves others beside them. Per row (N held, TLS or plain) and proxy, in
# that order, each proxy started fresh (bench/proxies.sh, run.sh's
# configurations with the connection limits and idle timeouts raised):
# bench/idle_hold.c opens N connections at a bounded rate (RATE_TLS or RATE_PLAIN per second over
# all holder processes, PER_HOLDER connections per process), one GET /small
# each, and holds them; then wrk at 50 connections beside them; then the
# holders say how many are still open. Reported: held / refused / failed /
# timed out, still open after wrk, PSS of the proxy's whole process tree
# (total, per held connection, growth per held connection), wrk req/s, p99
# and errors, CPU time per wrk request (all of the proxy's processes: its
# cgroup's cpu.stat before and after, see proxies.sh).
# Burst rows: BURST new keep-alive clients at once on a freshly started,
# idle proxy (rpxd with its default spare-worker settings), the time to
# each one's first response.
# Env: NS ("1000 4000 10000"), MODES ("tls plain"), PROXIES ("rpxd haproxy
# nginx"), DURATION (8 s of wrk), RATE_TLS (150) and RATE_PLAIN (500): new
# held connections/s over all holders, PER_HOLDER (2500 connections per
# holder process), HOLD_TIMEOUT (30 s per connection attempt), BURST
# (200; 0: no burst rows), KEEP=1, OUT (bench/results/idle). Run as root.
# Loopback only; everything started is stopped by PID on exit.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
me=idle.sh
NS=${NS:-1000 4000 10000}
MODES=${MODES:-tls plain}
PROXIES=${PROXIES:-rpxd haproxy nginx}
DURATION=${DURATION:-8}
RATE_TLS=${RATE_TLS:-150}	# new held connections/s over all holders: TLS
RATE_PLAIN=${RATE_PLAIN:-500}	# and plain
PER_HOLDER=${PER_HOLDER:-2500}
HOLD_TIMEOUT=${HOLD_TIMEOUT:-30}
BURST=${BURST:-200}
BURST_TIMEOUT=30
PROBE=${PROBE:-50}	# new clients beside the held ones, after wrk
PROBE_TIMEOUT=10
WRK_CONNS=50
RPXD_MAX=${RPXD_MAX:-10400}	# max-workers: room for the largest N and wrk
RPXD_SPARE=${RPXD_SPARE:-64}	# min-spare-workers: the pool follows demand
WARMUP=4 TLS_WARMUP=2 HS_WARMUP=0
BACKEND_PORT=18080
OUT=${OUT:-bench/results/idle}
declare -A PORT=([rpxd]=18000 [haproxy]=18001 [nginx]=18002)
. "$top/bench/tls.sh"
want_tls=0
case " $MODES " in *" tls "*) want_tls=1 ;; esac
[ "$(id -u)" = 0 ] || { echo "$me: run as root (rpxd drops privileges)" >&2; exit 1; }
for p in $PROXIES; do
	case $p in rpxd|haproxy|nginx) ;; *) echo "$me: unknown proxy $p" >&2; exit 1 ;; esac
done

# Limits for 10,000 held connections under this machine's 20,000
# descriptors per process; idle timeouts of 600 s for all three, so that
# no proxy closes a held connection for idleness during a row.
NGINX_WORKER_CONNECTIONS=19000
NGINX_MAIN_EXTRA="worker_rlimit_nofile 20000;"
NGINX_HTTP_EXTRA="keepalive_timeout 600s;"
HAPROXY_MAXCONN=9990	# 2 descriptors per connection + 19 <= 20,000: HAProxy refuses to start above
HAPROXY_DEFAULTS_EXTRA="  timeout http-keep-alive 600s
  timeout client 600s"
RPXD_POOL="min-spare-workers = $RPXD_SPARE
max-spare-workers = 256
max-workers = $RPXD_MAX"
# No per-address limit and no pressure mode (proxies.sh: every client is
# 127.0.0.1 here, and the held connections are the load itself).
RPXD_EXTRA="client-idle-timeout = 600"
. "$top/bench/proxies.sh"

cc -O2 -Wall "$top/bench/idle_hold.c" -o "$dir/idle_hold" -lssl -lcrypto 2>"$dir/logs/idle_hold-build.log" ||
    { echo "$me: building bench/idle_hold.c failed:" >&2; cat "$dir/logs/idle_hold-build.log" >&2; exit 1; }
# The burst rows run rpxd with its default spare-worker settings.
cp "$dir/rpxd.conf" "$dir/rpxd-idle.conf"
grep -v -e '^min-spare-workers' -e '^max-spare-workers' "$dir/rpxd-idle.conf" > "$dir/rpxd-burst.conf"

tree_pss() {	# pid -> "KiB processes"
	local p files=()
	for p in $(tree "$1"); do files+=("/proc/$p/smaps_rollup"); done
	cat "${files[@]}" 2>/dev/null | awk -v n=${#files[@]} '/^Pss:/ {s += $2} END {print s + 0, n}'
}
tree_cpu() {	# pid -> us of CPU of the proxy's processes (proxies.sh: its
	# cgroup, or /proc over the process tree; exited workers included)
	local v; read -r v _ <<<"$(proxy_cpu "$p" "$1")"; echo "$v"
}
rpxd_workers() {	# the workers: children of the templates, or orphans
	local t
	t=$(pgrep -d, -P "$MPID" -x rpxd-template)
	pgrep -c -P "$MPID${t:+,$t}" -x rpxd-worker
}
rpxd_pool_wait() {	# up to 60 s for the pool to reach N workers
	local n
	for _ in $(seq 1 120); do
		n=$(rpxd_workers)
		[ "$n" -ge "$1" ] && break
		sleep 0.5
	done
	echo "${n:-0}"
}

probe() {	# port sni|- -> "ok p99": PROBE new keep-alive clients at once
	local pp ok p99
	"$dir/idle_hold" 127.0.0.1 "$1" /small "$PROBE" 0 "$PROBE_TIMEOUT" "$2" > "$dir/probe.out" 2>&1 &
	pp=$!; pids+=("$pp")
	for _ in $(seq 1 $(((PROBE_TIMEOUT + 10) * 10))); do grep -q '^ready' "$dir/probe.out" && break; sleep 0.1; done
	stop_pid "$pp"
	ok=$(awk '/^ready:/ {print $3}' "$dir/probe.out")
	p99=$(awk '/^first-response/ {print $6}' "$dir/probe.out")
	echo "${ok:--} ${p99:--}"
}

hpids=()	# the holders of the current row
holders_start() {	# port n rate timeout sni|- -> hpids, $dir/hold.K
	local port=$1 n=$2 rate=$3 to=$4 sni=$5 k i left each
	k=$(( (n + PER_HOLDER - 1) / PER_HOLDER ))
	hpids=() left=$n
	for i in $(seq 1 "$k"); do
		each=$(( left / (k - i + 1) )); left=$((left - each))
		"$dir/idle_hold" 127.0.0.1 "$port" /small "$each" \
		    "$(awk -v r="$rate" -v k="$k" 'BEGIN { print r / k }')" "$to" "$sni" > "$dir/hold.$i" 2>&1 &
		hpids+=($!) pids+=($!)
	done
}
holders_wait() {	# file-key seconds: until every holder printed the key line
	local f ok
	for _ in $(seq 1 $(($2 * 10))); do
		ok=1
		for f in $(seq 1 ${#hpids[@]}); do grep -q "^$1" "$dir/hold.$f" || { ok=0; break; }; done
		[ $ok = 1 ] && return 0
		sleep 0.1
	done
	return 1
}
holders_sum() {	# prefix field... -> sums of "prefix: name value ..." fields
	local f
	for f in $(seq 1 ${#hpids[@]}); do grep "^$1" "$dir/hold.$f"; done |
	    awk -v want="$2" '{ for (i = 2; i < NF; i++) if ($i == want) s += $(i + 1) } END {print s + 0}'
}
holders_stop() {	# tag: stop them, keep their output in logs/ (KEEP=1)
	local h i=0
	for h in "${hpids[@]}"; do i=$((i + 1)); stop_pid "$h"; cp "$dir/hold.$i" "$dir/logs/hold-$1.$i"; done
	hpids=()
}
holders_lasterr() { local f; for f in $(seq 1 ${#hpids[@]}); do grep '^last error' "$dir/hold.$f"; done | tail -1 | cut -c13-100; }

to_ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) { sub(/us$/, "", v); print v / 1000 }
	else if (v ~ /ms$/) { sub(/ms$/, "", v); print v + 0 }
	else if (v ~ /m$/) { sub(/m$/, "", v); print v * 60000 }
	else if (v ~ /s$/) { sub(/s$/, "", v); print v * 1000 } else print "-" }'; }

lines=() notes=()
raw=$OUT-runs.txt
: > "$raw"
listener_port() { if [ "$2" = tls ]; then echo "${TLS_PORT_EC[$1]}"; else echo "${PORT[$1]}"; fi; }
sni_of() { if [ "$1" = tls ]; then echo "$TLS_SNI"; else echo -; fi; }

idle_row() {	# proxy mode n
	local p=$1 m=$2 n=$3 port url row="idle-$2-$3" base pss procs pool=- c0 c1 reqs rps p99 errs
	local held refused failed tmo open closed secs per growth cpu rate=$RATE_PLAIN
	[ "$m" = tls ] && rate=$RATE_TLS
	port=$(listener_port "$p" "$m")
	url=http://127.0.0.1:$port/small; [ "$m" = tls ] && url=https://127.0.0.1:$port/small
	cp "$dir/rpxd-idle.conf" "$dir/rpxd.conf"
	WARMUP=4 TLS_WARMUP=2
	if ! start_proxy "$p"; then
		notes+=("$row: $p did not start (see its log)"); [ -n "$MPID" ] && stop_proxy; return
	fi
	[ "$p" = rpxd ] && pool=$(rpxd_pool_wait $RPXD_SPARE)
	sleep 1
	base=$(tree_pss "$MPID"); base=${base% *}
	holders_start "$port" "$n" "$rate" "$HOLD_TIMEOUT" "$(sni_of "$m")"
	holders_wait ready: $(( n / rate + HOLD_TIMEOUT + 30 )) ||
	    notes+=("$row $p: a holder did not finish opening in time")
	held=$(holders_sum ready: held) refused=$(holders_sum ready: refused)
	failed=$(holders_sum ready: failed) tmo=$(holders_sum ready: timeout)
	secs=$(cat "$dir"/hold.* | awk '/^open-seconds/ { if ($2 > s) s = $2 } END {print s + 0}')
	sleep 2
	read -r pss procs <<<"$(tree_pss "$MPID")"
	c0=$(tree_cpu "$MPID")
	# wrk hangs when none of its connects completes (a full listen
	# queue: reproduced with a listener that never accepts), so it is
	# killed 10 s after its run; the row then says so.
	timeout -k 2 $((DURATION + 10)) wrk -t 2 -c $WRK_CONNS -d "${DURATION}s" --timeout 5s --latency "$url" > "$dir/out" 2>&1
	c1=$(tree_cpu "$MPID")
	rps=$(awk '/^Requests\/sec/ {print $2}' "$dir/out")
	reqs=$(awk '/ requests in / {print $1}' "$dir/out")
	p99=$(awk '$1 == "99%" {print $2}' "$dir/out")
	if [ "${reqs:-0}" -gt 0 ] && [ -n "$p99" ]; then p99=$(to_ms "$p99"); else p99=-; fi
	errs=$(awk '/Socket errors|Non-2xx/ {sub(/^ +/, ""); printf "%s; ", $0}' "$dir/out")
	[ -n "$rps" ] || errs="wrk gave no result $((DURATION + 10)) s after it started, killed (its connections never completed) $(tr '\n' ' ' < "$dir/out" | cut -c1-150)"
	# wrk counts neither a connection that never gets a response nor its
	# absence (with 24 rpxd workers free, 26 of its 50 waited unseen), so:
	# how many of PROBE new clients get a response beside the held ones.
	local pok pp99
	read -r pok pp99 <<<"$(probe "$port" "$(sni_of "$m")")"
	sleep 1
	kill -USR1 "${hpids[@]}" 2>/dev/null
	holders_wait after: 20 || notes+=("$row $p: a holder did not report the open connections")
	open=$(holders_sum after: open) closed=$(holders_sum after: closed)
	[ "$held" -lt "$n" ] && notes+=("$row $p: last error of a holder: $(holders_lasterr) $(grep -L '^ready' "$dir"/hold.* | head -1 | xargs -r head -c 150); $(cat "$dir"/hold.* | grep '^timeout-stage' | awk '{for (i = 2; i < NF; i += 2) s[$i] += $(i + 1)} END {printf "timed out in: connect %d, TLS handshake %d, response %d", s["connect"], s["tls"], s["response"]}')")
	holders_stop "$row-$p"
	kill -0 "$MPID" 2>/dev/null || notes+=("$row: the $p master exited during the row")
	stop_proxy
	per=$(awk -v a="$pss" -v h="$held" 'BEGIN { if (h > 0) printf "%.1f", a / h; else print "-" }')
	growth=$(awk -v a="$pss" -v b="$base" -v h="$held" 'BEGIN { if (h > 0) printf "%.1f", (a - b) / h; else print "-" }')
	cpu=$(awk -v c=$((c1 - c0)) -v r="${reqs:-0}" 'BEGIN { if (r > 0) printf "%.1f", c / r; else printf "-(%.1fs)", c / 1e6 }')
	[ -n "$errs" ] && notes+=("$row $p wrk: $errs")
	lines+=("$(printf '%-17s %-8s %6s %6s %6s %6s %6s %7s %8.1f %6s %8s %8s %9s %8s %9s %6s %8s %s' \
	    "$row" "$p" "$held" "$refused" "$failed" "$tmo" "$open" "$secs" "$(awk -v a="$pss" 'BEGIN {print a / 1024}')" \
	    "$procs" "$per" "$growth" "${rps:-0}" "${p99:--}" "$cpu" "$pok/$PROBE" "$pp99" "$([ -n "$errs" ] && echo '!')")")
	echo "$row $p pool=$pool base_pss_kib=$base pss_kib=$pss procs=$procs held=$held refused=$refused failed=$failed timeout=$tmo open=$open closed=$closed open_s=$secs rps=${rps:-none} reqs=${reqs:-none} p99=${p99:-none} cpu_us=$((c1 - c0)) probe_ok=$pok probe_p99=$pp99 $errs" >> "$raw"
	echo "${lines[-1]}" >&2
}

burst_row() {	# proxy mode
	local p=$1 m=$2 row="burst-$2-$BURST" held bad p50 p99 max
	cp "$dir/rpxd-burst.conf" "$dir/rpxd.conf"
	WARMUP=2 WARMUP_CONNS=4 TLS_WARMUP=0	# a light warm-up: the pool stays at its idle size
	start_proxy "$p" || { notes+=("$row: $p did not start"); [ -n "$MPID" ] && stop_proxy; return; }
	WARMUP_CONNS=256
	sleep 3
	local workers=-; [ "$p" = rpxd ] && workers=$(rpxd_workers)
	holders_start "$(listener_port "$p" "$m")" "$BURST" 0 "$BURST_TIMEOUT" "$(sni_of "$m")"
	holders_wait ready: $((BURST_TIMEOUT + 20)) || notes+=("$row $p: the holder did not finish in time")
	held=$(holders_sum ready: held)
	bad=$(( $(holders_sum ready: refused) + $(holders_sum ready: failed) + $(holders_sum ready: timeout) ))
	read -r p50 p99 max <<<"$(awk '/^first-response/ {print $4, $6, $8}' "$dir/hold.1")"
	[ "$bad" -gt 0 ] && notes+=("$row $p: $bad without a response; last error: $(holders_lasterr)")
	holders_stop "$row-$p"
	stop_proxy
	lines+=("$(printf '%-17s %-8s %6s %6s %10s %10s %10s   (idle workers before: %s)' "$row" "$p" "$held" "$bad" "${p50:--}" "${p99:--}" "${max:--}" "$workers")")
	echo "$row $p idle_workers=$workers held=$held bad=$bad p50=${p50:-none} p99=${p99:-none} max=${max:-none}" >> "$raw"
	echo "${lines[-1]}" >&2
}

uptime_before=$(uptime)
for n in $NS; do
	for m in $MODES; do
		for p in $PROXIES; do idle_row "$p" "$m" "$n"; done
	done
done
if [ "$BURST" -gt 0 ]; then
	for m in $MODES; do for p in $PROXIES; do burst_row "$p" "$m"; done; done
fi

{
	echo "idle-many: N idle keep-alive connections held (one GET /small each, then idle), then wrk -t2 -c$WRK_CONNS -d${DURATION}s beside them"
	echo "127.0.0.1, $(nproc) CPUs shared by the holders, wrk, the backend nginx and the proxy; rpxd $(git log -1 --format=%h -- . ':(exclude)bench') (last commit outside bench/), tree $(git log -1 --format=%h)$(git diff --quiet HEAD || echo ' + changes')"
	echo "held connections opened at $RATE_TLS/s (TLS) or $RATE_PLAIN/s (plain) in all (bench/idle_hold.c, $PER_HOLDER per process, ${HOLD_TIMEOUT}s per attempt; TLS: the ECDSA listener, TLS 1.3, a full handshake each)"
	echo "HAProxy nbthread 2 maxconn $HAPROXY_MAXCONN; nginx 2 workers x worker_connections $NGINX_WORKER_CONNECTIONS; rpxd min-spare-workers $RPXD_SPARE, max-spare-workers 256, max-workers $RPXD_MAX (the pool follows the holders)"
	echo "idle timeouts 600 s for all three; each proxy started fresh per row, warmed up (4 s at 256 plain + 2 s at 50 TLS connections)"
	echo "uptime before: $uptime_before"
	echo "uptime after:  $(uptime)"
	echo
	echo "held/refused/failed/timeout: outcome of the N attempts; open: held ones still open after wrk; open s: time to open them all"
	echo "PSS: the proxy's whole process tree with the connections held (before wrk); /held: PSS / held; growth: (PSS - PSS before the holders) / held"
	echo "CPU: all the proxy's processes during wrk ($([ -n "$cg_base" ] && echo "its cgroup's cpu.stat" || echo "/proc/PID/stat over its tree")) / wrk requests (us); -(Xs): no request served, X s of CPU"
	echo "new ok, new p99: after wrk, $PROBE new keep-alive clients at once beside the held ones: how many got a response within ${PROBE_TIMEOUT}s, p99 ms of those"
	printf '%-17s %-8s %6s %6s %6s %6s %6s %7s %8s %6s %8s %8s %9s %8s %9s %6s %8s\n' row proxy held refusd failed tmout open "open s" "PSS MiB" procs "KiB/held" "growth" "wrk r/s" "p99 ms" "CPU us/r" "new ok" "new p99"
	for l in "${lines[@]}"; do case $l in idle-*) echo "$l" ;; esac; done
	if [ "$BURST" -gt 0 ]; then
		echo
		echo "burst: $BURST new keep-alive clients at once on a freshly started proxy (2 s warm-up at 4 connections, then 3 s idle); rpxd: max-workers $RPXD_MAX, default min/max-spare-workers"
		echo "time from connect() to the last byte of the first response, ms, over those that got one (ok) within ${BURST_TIMEOUT}s; no/bad: none in ${BURST_TIMEOUT}s, refused or not 2xx"
		printf '%-17s %-8s %6s %6s %10s %10s %10s\n' row proxy ok "no/bad" p50 p99 max
		for l in "${lines[@]}"; do case $l in burst-*) echo "$l" ;; esac; done
	fi
	echo
	for n in "${notes[@]}"; do echo "note: $n"; done
	echo "per-row figures: $raw"
} | tee "$OUT.txt"
