#!/usr/bin/env bash
# Benchmark: full-handshake load and a flood against rpxd's key service
# (issue 15). run.sh's set-up (bench/proxies.sh, bench/tls.sh: the backend
# nginx, rpxd's TLS listeners with the ECDSA P-256 and the RSA-2048
# certificate, re-encrypted to the backend), rpxd alone, started fresh for
# every run, its pool above the flood's clients. Per scheme and phase:
#   load   bench/tlshs.c at CONNS clients (a new connection and a full TLS
#          handshake per GET /small, never resumed; run.sh's handshake
#          rows, which keep both CPUs busy) for DURATION s;
#   flood  the same at FLOOD x CONNS clients;
# each at every log level of LEVELS: at "debug" each worker logs the round
# trip of every signature it asks a key holder for (send to answer, "tls:
# key service: round trip N us"), and the p50 / p99 over those lines are
# reported. Failures are counted on both sides: tlshs's errors, non-2xx
# and resumed sessions (client side) and rpxd's log lines "handshake
# failed", "deadline passed" and "no answer". The goal: fewer handshakes
# per second under the flood, never a failed one.
# BUILDS lists rpxd build trees run one after the other in each round
# (e.g. a build of main and this tree, for before and after): ratios
# between them mean something on a shared machine, absolute figures not.
# Env: BUILDS (this tree), ROUNDS (1), CONNS (50), FLOOD (4), DURATION
# (15 s), SCHEMES ("ecdsa rsa"), PHASES ("load flood"), LEVELS ("brief
# debug"), KEY_HOLDERS (rpxd's key-holders; unset: its default),
# HOLDER_NICE (an experiment: renice every key holder to this after the
# start, as root), KEEP=1, OUT (bench/results/hsflood). Run as root,
# inside a private network namespace on a shared machine (fixed loopback
# ports): unshare -n bash -c 'ip link set lo up; bash bench/hsflood.sh'.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
me=hsflood.sh
BUILDS=${BUILDS:-$top}
ROUNDS=${ROUNDS:-1}
CONNS=${CONNS:-50}
FLOOD=${FLOOD:-4}
DURATION=${DURATION:-15}
SCHEMES=${SCHEMES:-ecdsa rsa}
PHASES=${PHASES:-load flood}
LEVELS=${LEVELS:-brief debug}
OUT=${OUT:-bench/results/hsflood}
PROXIES=rpxd
WARMUP=4 TLS_WARMUP=0 HS_WARMUP=2
BACKEND_PORT=18080
declare -A PORT=([rpxd]=18000 [haproxy]=18001 [nginx]=18002)
. "$top/bench/tls.sh"
want_tls=1
[ "$(id -u)" = 0 ] || { echo "$me: run as root (rpxd drops privileges)" >&2; exit 1; }
builds=()
for b in $BUILDS; do
	b=$(cd "$b" && pwd) || exit 1
	for x in rpxd rpxd-worker rpxd-keys; do
		[ -x "$b/$x" ] || { echo "$me: $b/$x is not built" >&2; exit 1; }
	done
	builds+=("$b")
done
label() { local l; l=$(git -C "$1" rev-parse --short HEAD 2>/dev/null) || l=$(basename "$1"); echo "$l"; }
# A worker for every client of the flood.
pool=$((CONNS * FLOOD + 40))
RPXD_POOL="min-spare-workers = $pool
max-spare-workers = $((pool + 40))
max-workers = $((pool + 80))"
[ -n "${KEY_HOLDERS:-}" ] && RPXD_EXTRA="key-holders = $KEY_HOLDERS"
. "$top/bench/proxies.sh"

# start BUILD LEVEL: rpxd of that tree at that log level -> MPID, LOG, MARK
start() {
	sed "s/^log-level = .*/log-level = \"$2\"/" "$dir/rpxd.conf" > "$dir/rpxd-$2.conf"
	LOG=$dir/logs/rpxd-$run.log
	"$1/rpxd" -d -f "$dir/rpxd-$2.conf" -W "$1/rpxd-worker" 2>"$LOG" &
	MPID=$!
	pids+=("$MPID")
	wait_port "${PORT[rpxd]}" && wait_port "$port" || return 1
	# The pool grows to the flood's size; the holders sign once each.
	timeout $((WARMUP + 10)) wrk -t 2 -c "$pool" -d ${WARMUP}s "http://127.0.0.1:${PORT[rpxd]}/small" >/dev/null 2>&1
	timeout $((HS_WARMUP + 10)) "$dir/tlshs" 127.0.0.1 "$port" /small "$CONNS" "$HS_WARMUP" "$TLS_SNI" >/dev/null 2>&1
	if [ -n "${HOLDER_NICE:-}" ]; then
		for c in $(pgrep -P "$MPID" -x rpxd-keys); do renice -n "$HOLDER_NICE" -p "$c" >/dev/null; done
	fi
	sleep 1
	MARK=$(wc -l < "$LOG")
}
stop() { stop_pid "$MPID" $(pgrep -P "$MPID"); }

# measure CLIENTS -> "hs/s p99-ms client-failures log-failures"
measure() {
	local o=$dir/logs/tlshs-$run.txt v l e f
	timeout $((DURATION + 120)) "$dir/tlshs" 127.0.0.1 "$port" /small "$1" "$DURATION" "$TLS_SNI" > "$o" 2>&1
	v=$(awk -F': ' '$1 == "handshakes/s" {print $2}' "$o")
	l=$(awk -F': ' '$1 == "p99 ms" {print $2}' "$o")
	e=$(awk -F': ' '$1 == "errors" || $1 == "non-2xx" || $1 == "resumed" {s += $2} END {print s + 0}' "$o")
	grep -q '^handshakes/s' "$o" || e=tlshs-failed
	sleep 1
	f=$(tail -n "+$((MARK + 1))" "$LOG" | grep -c -e 'handshake failed' -e 'deadline passed' -e 'no answer')
	echo "${v:--} ${l:--} $e $f"
}

# rtt -> "p50 p99 n" of the round trips logged since MARK (us)
rtt() {
	tail -n "+$((MARK + 1))" "$LOG" | sed -n 's/.*tls: key service: round trip \([0-9]*\) us.*/\1/p' | sort -n |
	    awk '{a[NR] = $1} END { if (NR == 0) print "- - 0"; else print a[int(NR * 0.5) + 1], a[int(NR * 0.99) + 1], NR }'
}

raw=$OUT-runs.txt
: > "$raw"
for r in $(seq 1 "$ROUNDS"); do
	for s in $SCHEMES; do
		case $s in ecdsa) port=${TLS_PORT_EC[rpxd]} ;; rsa) port=${TLS_PORT_RSA[rpxd]} ;;
		*) echo "$me: unknown scheme $s" >&2; exit 1 ;; esac
		for phase in $PHASES; do
			clients=$CONNS; [ "$phase" = flood ] && clients=$((CONNS * FLOOD))
			for level in $LEVELS; do
				for bi in "${!builds[@]}"; do
					run=$r-$bi-$s-$phase-$level
					start "${builds[$bi]}" "$level" ||
					    { echo "$me: rpxd did not start (see $LOG)" >&2; tail -20 "$LOG" >&2; exit 1; }
					echo "$r $bi $s $phase $clients $level $(measure "$clients") $(rtt)" >> "$raw"
					stop
				done
			done
		done
	done
done

# The table: medians over rounds; failures summed; n summed.
{
	echo "$(nproc) CPUs shared by tlshs (the client), the backend nginx and rpxd; $(uptime | sed 's/.*load/load/') at the end"
	echo "bench/tlshs.c: a new connection and a full TLS 1.3 handshake per GET /small, never resumed; ${DURATION}s per run, $ROUNDS round(s), medians;"
	echo "  rpxd pool $pool..$((pool + 80)) workers, key-holders ${KEY_HOLDERS:-unset (rpxd's default)}${HOLDER_NICE:+, holders reniced to $HOLDER_NICE}"
	echo "fail: tlshs errors + non-2xx + resumed (client side) / rpxd log lines 'handshake failed', 'deadline passed', 'no answer' (summed over rounds)"
	echo "round trip: worker side, send to answer, us, over every signature of the debug runs (n)"
	for bi in "${!builds[@]}"; do echo "build $bi: $(label "${builds[$bi]}") (${builds[$bi]})"; done
	printf '%-6s %-6s %7s %-6s %-5s %10s %9s %12s %9s %12s %12s %7s\n' scheme phase clients level build "hs/s" "p99 ms" "fail client" "fail log" "rtt p50 us" "rtt p99 us" n
	awk '
	function med(list,   a, n, i, j, t) {
		n = split(list, a, " "); if (n == 0) return "-"
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
	{ k = $3 " " $4 " " $5 " " $6 " " $2
	  if (!(k in seen)) { seen[k] = 1; order[++nk] = k }
	  if ($7 != "-") hs[k] = hs[k] " " $7; if ($8 != "-") p99[k] = p99[k] " " $8
	  fc[k] += $9; fl[k] += $10
	  if ($11 != "-") r50[k] = r50[k] " " $11; if ($12 != "-") r99[k] = r99[k] " " $12; n[k] += $13 }
	END { for (i = 1; i <= nk; i++) { k = order[i]; split(k, f, " ")
		printf "%-6s %-6s %7s %-6s %-5s %10s %9s %12s %9s %12s %12s %7s\n", f[1], f[2], f[3], f[4], f[5],
		    med(hs[k]), med(p99[k]), fc[k], fl[k], med(r50[k]), med(r99[k]), n[k] } }' "$raw"
	echo "per-run figures: $raw; logs: $dir/logs (KEEP=1 keeps them)"
} | tee "$OUT.txt"
