#!/usr/bin/env bash
# Benchmark: rpxd, HAProxy and nginx as reverse proxies in front of the
# same nginx backend, in interleaved rounds (A B C, C B A, ...): plain
# HTTP and TLS keep-alive rows with wrk, new TLS handshakes per request
# (and a handshake flood) with bench/tlshs.c (see bench/tls.sh). Per proxy
# and row: requests/s, p99, errors, and CPU time per request of all of the
# proxy's processes (its cgroup's cpu.stat, or /proc; see proxies.sh);
# then the ratios rpxd/HAProxy and rpxd/nginx of CPU per request and of
# requests/s, median and min-max of the per-round ratios, against issue
# 15's targets. The proxies run on one CPU, the load and the backend on
# the other (PIN=1), none of them logs requests, HAProxy and nginx reuse
# idle backend connections.
# Env: BENCH_ROUNDS (5; ROUNDS), BENCH_SECONDS (5 s per run; DURATION),
# QUICK=1 (1 round of 2 s), PROXIES ("rpxd haproxy nginx"), ROWS (row
# names and/or the groups "plain", "tls", "extra", "all"; default "plain
# tls"), TLS=0 (plain rows only), PIN (1), PROXY_CPU (0), LOAD_CPU (1),
# FLOOD_CONNS (400), HS_TIMEOUT (10 s per tlshs step), HS_WARMUP (1 s of
# new handshakes per TLS listener after each start), CPU_ACCOUNT=proc
# (no cgroup), CPU_CHECK=1 (also the /proc figure of each run, in the
# per-run file), KEEP=1 (keep the work dir and its logs), OUT (output
# prefix, bench/results/latest).
# PROXIES may also name rpxd-kiw: rpxd built with KEYS_IN_WORKER=1 in the
# tree RPXD_KIW, run with the same configuration and ports as rpxd (never
# at the same time); bench/keys.sh uses it. Run as root. Loopback only; it
# starts its own processes from a temporary directory and stops them by PID.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
ROUNDS=${BENCH_ROUNDS:-${ROUNDS:-5}}
DURATION=${BENCH_SECONDS:-${DURATION:-5}}
PROXIES=${PROXIES:-rpxd haproxy nginx}
if [ "${QUICK:-0}" = 1 ]; then ROUNDS=1; DURATION=2; fi
WARMUP=4		# s at 256 connections after each proxy start
TLS_WARMUP=2		# s at 50 TLS keep-alive connections, when TLS rows run
HS_WARMUP=${HS_WARMUP:-1}	# s of new handshakes per TLS listener after that
SETTLE=0.5		# s after a run before the CPU is read again: what a
			# proxy does when the load closes its connections counts
FLOOD_CONNS=${FLOOD_CONNS:-400}
PIN=${PIN:-1}
BACKEND_PORT=18080
OUT=${OUT:-bench/results/latest}
declare -A PORT=([rpxd]=18000 [haproxy]=18001 [nginx]=18002)
. "$top/bench/tls.sh"
# rpxd-kiw runs rpxd's configuration file, so it also takes rpxd's ports.
PORT[rpxd-kiw]=${PORT[rpxd]} TLS_PORT_EC[rpxd-kiw]=${TLS_PORT_EC[rpxd]} TLS_PORT_RSA[rpxd-kiw]=${TLS_PORT_RSA[rpxd]}

# row name | connections | path | extra wrk arguments | listener | tool | group
#   listener: plain, ec (TLS, ECDSA P-256 certificate), rsa (TLS, RSA-2048)
#   tool: wrk, or hs (bench/tlshs.c: a new TCP connection and a full TLS
#   handshake, never resumed, per request)
#   group: plain and tls (issue 15's rows, the default), extra
all_rows=("small-ka-1|1|/small||plain|wrk|plain" "small-ka-50|50|/small||plain|wrk|plain"
      "small-ka-256|256|/small||plain|wrk|plain"
      "tls-small-ka-1|1|/small||ec|wrk|tls" "tls-small-ka-50|50|/small||ec|wrk|tls"
      "tls-small-ka-256|256|/small||ec|wrk|tls"
      "tls-hs-ecdsa-50|50|/small||ec|hs|tls" "tls-hs-rsa-50|50|/small||rsa|hs|tls"
      "tls-hs-flood-rsa-$FLOOD_CONNS|$FLOOD_CONNS|/small||rsa|hs|tls"
      "1MiB-ka-16|16|/1m||plain|wrk|extra" "small-close-50|50|/small|-H Connection:close|plain|wrk|extra"
      "tls-1MiB-ka-16|16|/1m||ec|wrk|extra")
if [ "${TLS:-1}" = 0 ]; then ROWS=${ROWS:-plain}; else ROWS=${ROWS:-plain tls}; fi
rows=()
for row in "${all_rows[@]}"; do
	IFS='|' read -r name _ _ _ lis _ group <<<"$row"
	[ "${TLS:-1}" = 0 ] && [ "$lis" != plain ] && continue
	case " $ROWS " in *" $name "*|*" $group "*|*" all "*) rows+=("$row") ;; esac
done
[ ${#rows[@]} -gt 0 ] || { echo "run.sh: ROWS=\"$ROWS\" selects no row" >&2; exit 1; }
want_tls=0
for row in "${rows[@]}"; do IFS='|' read -r _ _ _ _ lis _ <<<"$row"; [ "$lis" != plain ] && want_tls=1; done

[ "$(id -u)" = 0 ] || { echo "run.sh: run as root (rpxd drops privileges)" >&2; exit 1; }
for p in $PROXIES; do
	[ -n "${PORT[$p]:-}" ] || { echo "run.sh: unknown proxy $p" >&2; exit 1; }
done
case " $PROXIES " in *" rpxd-kiw "*)
	[ -x "${RPXD_KIW:-}/rpxd" ] && [ -x "$RPXD_KIW/rpxd-worker" ] ||
	    { echo "run.sh: rpxd-kiw needs RPXD_KIW, a tree built with make KEYS_IN_WORKER=1" >&2; exit 1; } ;;
esac
. "$top/bench/proxies.sh"

priv_kib() { awk '/^Private_(Clean|Dirty):/ {s += $2} END {print s + 0}' "/proc/$1/smaps_rollup" 2>/dev/null; }
pass() { [ -n "$1" ] && [ "$1" -lt 2048 ] && echo PASS || echo FAIL; }
rpxd_memory() {	# after the load: an idle worker and the master
	local w wk mk n max=0 k c
	sleep 3
	n=0
	# The workers are the templates' children (issue 14), not the
	# master's (its own are the templates, key holders and checker).
	for c in $(pgrep -P "$(pgrep -d, -P "$MPID" -x rpxd-template)" -x rpxd-worker); do
		k=$(priv_kib "$c"); [ -n "$k" ] || continue
		n=$((n + 1)); [ "$k" -gt "$max" ] && max=$k
		[ -z "${w:-}" ] && [ "$(awk '{print $3}' "/proc/$c/stat" 2>/dev/null)" = S ] && { w=$c; wk=$k; }
	done
	mk=$(priv_kib "$MPID")
	if [ -z "${w:-}" ]; then
		memline="memory: no idle rpxd worker found (master $MPID)"
		return
	fi
	memline="memory (Private_Clean+Private_Dirty, target < 2048 KiB): idle rpxd worker $wk KiB $(pass "$wk"), master $mk KiB $(pass "$mk"); largest of $n workers $max KiB"
}

# Per proxy, row and round: rps, p99 (ms), cpu (us per request), err
# (count); indexed [proxy,row,round].
declare -A rps p99 cpu err hsinfo
notes=()

to_ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) { sub(/us$/, "", v); print v / 1000 }
	else if (v ~ /ms$/) { sub(/ms$/, "", v); print v + 0 }
	else if (v ~ /m$/) { sub(/m$/, "", v); print v * 60000 }
	else if (v ~ /s$/) { sub(/s$/, "", v); print v * 1000 } else print "nan" }'; }
kv() { awk -F': ' -v k="$1" '$1 == k {print $2; exit}' "$dir/out"; }
log_size() { stat -c %s "$1" 2>/dev/null || echo 0; }

# One run: proxy row round. Reads the proxy's CPU before and after the
# load tool (plus SETTLE), and the log lines rpxd wrote meanwhile.
run_row() {
	local p=$1 row=$2 r=$3 name conns path extra lis tool url port
	local c0 c1 pc0 pc1 reqs v l e n errs=0 lg=$dir/logs/$p.log lg0 fails
	IFS='|' read -r name conns path extra lis tool _ <<<"$row"
	case $lis in
	plain)	url="http://127.0.0.1:${PORT[$p]}$path" port=${PORT[$p]} ;;
	ec)	url="https://127.0.0.1:${TLS_PORT_EC[$p]}$path" port=${TLS_PORT_EC[$p]} ;;
	rsa)	url="https://127.0.0.1:${TLS_PORT_RSA[$p]}$path" port=${TLS_PORT_RSA[$p]} ;;
	esac
	lg0=$(log_size "$lg")
	read -r -a c0 <<<"$(proxy_cpu "$p" "$MPID")"
	pc0=0; [ "${CPU_CHECK:-0}" = 1 ] && pc0=$(proc_tree_cpu "$MPID")
	if [ "$tool" = hs ]; then
		tls_run_hs "$port" "$conns" > "$dir/out" 2>&1
	else
		threads=2; [ "$conns" -lt 2 ] && threads=1	# wrk needs connections >= threads
		timeout $((DURATION + 30)) wrk -t "$threads" -c "$conns" -d "${DURATION}s" --timeout 5s --latency \
		    $extra "$url" > "$dir/out" 2>&1
	fi
	sleep "$SETTLE"
	read -r -a c1 <<<"$(proxy_cpu "$p" "$MPID")"
	pc1=0; [ "${CPU_CHECK:-0}" = 1 ] && pc1=$(proc_tree_cpu "$MPID")
	if [ "$tool" = hs ]; then
		v=$(kv handshakes/s) l=$(kv "p99 ms") reqs=$(kv requests)
		e=$(awk -F': ' '($1 == "non-2xx" || $1 == "hs-failed" || $1 == "timeouts" || $1 == "errors" || $1 == "resumed") && $2 > 0 {printf "%s %s; ", $1, $2}
		    $1 == "last error" {last = $2} END {if (last != "") printf "last error: %s; ", last}' "$dir/out")
		errs=$(awk -F': ' '$1 == "non-2xx" || $1 == "hs-failed" || $1 == "timeouts" || $1 == "errors" || $1 == "resumed" {s += $2} END {print s + 0}' "$dir/out")
		[ "${reqs:-0}" -gt 0 ] || { e="tlshs failed: $(tr '\n' ' ' < "$dir/out" | cut -c1-200)"; v=; }
		hsinfo[$p,$name]=$(kv first)
	else
		v=$(awk '/^Requests\/sec/ {print $2}' "$dir/out")
		reqs=$(awk '/ requests in / {print $1}' "$dir/out")
		l=$(awk '$1 == "99%" {print $2}' "$dir/out"); [ -n "$l" ] && l=$(to_ms "$l")
		e=$(awk '/Socket errors|Non-2xx/ {sub(/^ +/, ""); printf "%s; ", $0}' "$dir/out")
		errs=$(awk '/Socket errors/ {gsub(/,/, ""); s += $4 + $6 + $8 + $10} /Non-2xx/ {s += $NF} END {print s + 0}' "$dir/out")
		[ -n "$v" ] || { e="wrk failed: $(tr '\n' ' ' < "$dir/out" | cut -c1-200)"; v=; }
	fi
	# rpxd logs each failed client handshake and key service trouble
	# (errors are logged with access lines off); the others log nothing.
	fails=-
	case $p in rpxd*)
		fails=$(tail -c +$((lg0 + 1)) "$lg" 2>/dev/null | grep -c -e 'handshake failed' -e 'key service' -e 'deadline passed')
		[ "$fails" -gt 0 ] && e+="rpxd log: $fails handshake/key-service line(s), e.g. $(tail -c +$((lg0 + 1)) "$lg" | grep -m1 -e 'handshake failed' -e 'key service' -e 'deadline passed' | cut -c1-160); " ;;
	esac
	if [ -n "$v" ] && [ "${reqs:-0}" -gt 0 ]; then
		rps[$p,$name,$r]=$v p99[$p,$name,$r]=$l err[$p,$name,$r]=$errs
		cpu[$p,$name,$r]=$(awk -v a="${c0[0]}" -v b="${c1[0]}" -v n="$reqs" 'BEGIN {printf "%.1f", (b - a) / n}')
	fi
	[ -n "$e" ] && notes+=("round $r: $p $name: $e")
	# keys.sh reads fields 1-5 of these lines: keep them first
	echo "round $r $p $name req/s=${v:-none} p99=${l:-none} requests=${reqs:-none} errors=$errs" \
	    "cpu_us=$((c1[0] - c0[0])) user_us=$((c1[1] - c0[1])) sys_us=$((c1[2] - c0[2])) proc_cpu_us=$([ "${CPU_CHECK:-0}" = 1 ] && echo $((pc1 - pc0)) || echo -)" \
	    "us_per_req=${cpu[$p,$name,$r]:-none} rpxd_log_fails=$fails ${e}" >> "$raw"
	echo "round $r $p $name: req/s ${v:-none}, p99 ${l:-none} ms, CPU ${cpu[$p,$name,$r]:-none} us/req, errors $errs" >&2
}

raw=$OUT-runs.txt
: > "$raw"
memline=""
uptime_before=$(uptime)
order=($PROXIES)
for r in $(seq 1 "$ROUNDS"); do
	# A B C, C B A, A B C ...: no proxy always runs first or last
	if [ $((r % 2)) = 1 ]; then seq_p=("${order[@]}"); else seq_p=(); for ((i = ${#order[@]} - 1; i >= 0; i--)); do seq_p+=("${order[i]}"); done; fi
	for p in "${seq_p[@]}"; do
		if ! start_proxy "$p"; then
			notes+=("round $r: $p did not start (see its log); its runs are missing")
			case $p in rpxd*) echo "--- $p log (tail)"; tail -20 "$dir/logs/$p.log" ;; esac >&2
			[ -n "$MPID" ] && stop_proxy
			continue
		fi
		case $p in rpxd*) echo "round $r $p key-holders=$(keyholders)" >> "$raw" ;; esac
		for row in "${rows[@]}"; do run_row "$p" "$row" "$r"; done
		if [ "$p" = rpxd ]; then
			kill -0 "$MPID" 2>/dev/null || notes+=("round $r: the rpxd master exited during the runs")
			[ -z "$memline" ] && rpxd_memory
		fi
		stop_proxy
	done
done

vals() {	# array-name proxy row -> the rounds' values, one a line
	local -n a=$1
	local r
	for r in $(seq 1 "$ROUNDS"); do [ -n "${a[$2,$3,$r]:-}" ] && echo "${a[$2,$3,$r]}"; done
}
median() { sort -g | awk '{a[NR] = $1} END { if (NR == 0) print "-"
	else if (NR % 2) print a[(NR + 1) / 2]; else printf "%.2f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
sum() { awk '{s += $1; n++} END {if (n) print s; else print "-"}'; }
# Per-round ratios rpxd/other of an array (the two ran in the same round,
# a few minutes apart): "median min-max", or "-".
ratios() {
	local -n a=$1
	local r
	for r in $(seq 1 "$ROUNDS"); do
		[ -n "${a[rpxd,$3,$r]:-}" ] && [ -n "${a[$2,$3,$r]:-}" ] && echo "${a[rpxd,$3,$r]} ${a[$2,$3,$r]}"
	done | awk '$2 > 0 {print $1 / $2}' | sort -g |
	    awk '{a[NR] = $1} END { if (NR == 0) { print "-"; exit }
		m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
		printf "%.2f %.2f-%.2f\n", m, a[1], a[NR] }'
}
target() {	# row -> issue 15's bound on rpxd/HAProxy CPU per request
	case $1 in tls-hs-flood-*) echo "0 err" ;; tls-hs-*) echo 1.3 ;; *-ka-1) echo "<=today" ;; *-ka-*) echo 1.5 ;; *) echo - ;; esac
}
met() {	# row ratio-median -> yes/no/-
	local t; t=$(target "$1")
	case $t in
	"0 err") [ "$(vals err rpxd "$1" | sum)" = 0 ] && echo yes || echo no ;;
	1.3|1.5) awk -v q="$2" -v t="$t" 'BEGIN { if (q == "-") print "-"; else if (q + 0 <= t + 0) print "yes"; else print "no" }' ;;
	*) echo - ;;
	esac
}
has() { case " $PROXIES " in *" $1 "*) return 0 ;; esac; return 1; }
{
	echo "rpxd vs HAProxy vs nginx as reverse proxies to one nginx backend (1 worker), 127.0.0.1, $(nproc --all) CPUs"
	echo "rpxd $(git log -1 --format=%h -- . ':(exclude)bench') (last commit outside bench/), tree $(git log -1 --format=%h)$(git diff --quiet HEAD -- . ':(exclude)bench' || echo ' + changes outside bench/'); $(date -u '+%Y-%m-%d %H:%M UTC')"
	if [ "$PIN" = 1 ]; then
		echo "pinned: proxies on CPU $PROXY_CPU, load generator and backend on CPU $LOAD_CPU; HAProxy nbthread $PROXY_THREADS, nginx worker_processes $PROXY_THREADS,"
	else
		echo "not pinned: proxies, load and backend share the CPUs; HAProxy nbthread $PROXY_THREADS, nginx worker_processes $PROXY_THREADS,"
	fi
	echo "  rpxd prefork (min-spare 260, max-workers 512, one process per connection; key holders: its default, four per CPU of its affinity)"
	case " $PROXIES " in *" rpxd-kiw "*) echo "rpxd-kiw: rpxd built with KEYS_IN_WORKER=1 (private keys in the workers, no key holders), same configuration and ports as rpxd" ;; esac
	echo "no request logging in any (rpxd access-log = false, nginx access_log off, HAProxy no log); backend reuse: HAProxy http-reuse always, nginx keepalive 64, rpxd its own"
	echo "$ROUNDS round(s) in interleaved order (A B C, C B A, ...) of $PROXIES; ${DURATION}s per run; each proxy started fresh per round, warmed up"
	echo "  (${WARMUP}s at 256 plain$([ $want_tls = 1 ] && echo ", ${TLS_WARMUP}s at 50 TLS keep-alive, ${HS_WARMUP}s of new handshakes per TLS listener") connections); wrk -t2 (-t1 for 1 connection)"
	echo "CPU: all of a proxy's processes (master, workers, key holders, health checker, exited ones included): $([ -n "$cg_base" ] && echo "cgroup v2 cpu.stat usage_usec of the proxy's own cgroup" || echo "/proc/PID/stat utime+stime+cutime+cstime over the process tree"),"
	echo "  read before the run and ${SETTLE}s after it, divided by the requests served (wrk's count; tlshs: 2xx responses)"
	if [ $want_tls = 1 ]; then
		echo "tls-* rows: TLS 1.2+1.3, Mozilla intermediate ciphers, re-encrypted over HTTP/1.1 to the backend nginx's TLS server (ECDSA P-256, verified by all three);"
		echo "  tls-small-ka rows: wrk over https, ECDSA P-256 listener; tls-hs rows: bench/tlshs.c, a new connection and a full TLS 1.3 handshake per request,"
		echo "  never resumed (req/s = handshakes/s; p99 = connect + handshake + request + response; ${HS_TIMEOUT}s per step, then a timeout);"
		echo "  tls-hs-flood: $FLOOD_CONNS such clients without pause on the RSA listener, 8 times the 50 that already fill the proxy's CPU"
	fi
	echo "uptime before: $uptime_before"
	echo "uptime after:  $(uptime)"
	echo "Medians over rounds; err = errors summed over rounds (socket errors, non-2xx, failed handshakes, timeouts, resumed sessions; see notes)."
	echo "Quote the ratios, not the absolute figures: the machine is shared. CPU per request is the steadiest figure."
	echo
	printf '%-22s' row; for p in $PROXIES; do printf ' | %-8s %9s %8s %5s %8s' "$p" "req/s" "p99 ms" "err" "CPU us/r"; done; echo
	for row in "${rows[@]}"; do
		name=${row%%|*}
		printf '%-22s' "$name"
		for p in $PROXIES; do
			printf ' | %-8s %9s %8s %5s %8s' "" "$(vals rps "$p" "$name" | median)" "$(vals p99 "$p" "$name" | median)" \
			    "$(vals err "$p" "$name" | sum)" "$(vals cpu "$p" "$name" | median)"
		done
		echo
	done
	if has rpxd && { has haproxy || has nginx; }; then
		echo
		echo "rpxd / other, per round, then median and min-max over the rounds (CPU per request: lower is better for rpxd; req/s: higher)"
		printf '%-22s %-22s %-22s %-22s %-22s %-8s %s\n' row "CPU/r rpxd/haproxy" "CPU/r rpxd/nginx" "req/s rpxd/haproxy" "req/s rpxd/nginx" target met
		for row in "${rows[@]}"; do
			name=${row%%|*}
			ch=$(ratios cpu haproxy "$name") cn=$(ratios cpu nginx "$name")
			printf '%-22s %-22s %-22s %-22s %-22s %-8s %s\n' "$name" "$ch" "$cn" \
			    "$(ratios rps haproxy "$name")" "$(ratios rps nginx "$name")" "$(target "$name")" "$(met "$name" "${ch%% *}")"
		done
		echo "target: issue 15's bound on rpxd/HAProxy CPU per request (keep-alive 1.5, full handshake 1.3), zero errors in the flood;"
		echo "  one-connection rows: no worse than the figures before issue 15 (see bench/README.md)"
	fi
	hsrows=()
	for row in "${rows[@]}"; do IFS='|' read -r name _ _ _ _ tool _ <<<"$row"; [ "$tool" = hs ] && hsrows+=("$row"); done
	if [ ${#hsrows[@]} -gt 0 ]; then
		echo
		echo "handshakes/s as a fraction of openssl speed sign/s on one core for the same key (ecdsap256: ${SIGN_EC:-?}, rsa2048: ${SIGN_RSA:-?})"
		printf '%-22s %10s' row "sign/s"; for p in $PROXIES; do printf ' %16s' "$p hs/sign"; done; echo
		for row in "${hsrows[@]}"; do
			IFS='|' read -r name _ _ _ lis _ <<<"$row"
			sg=$SIGN_EC; [ "$lis" = rsa ] && sg=$SIGN_RSA
			printf '%-22s %10s' "$name" "${sg:--}"
			for p in $PROXIES; do
				printf ' %16s' "$(awk -v a="$(vals rps "$p" "$name" | median)" -v b="$sg" \
				    'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.4f", a / b; else print "-" }')"
			done
			echo
		done
		for row in "${hsrows[@]}"; do	# what tlshs saw on its first connection
			name=${row%%|*}
			for p in $PROXIES; do [ -n "${hsinfo[$p,$name]:-}" ] && echo "$name $p: ${hsinfo[$p,$name]}"; done
		done
	fi
	echo
	[ -n "$memline" ] && echo "$memline"
	for n in "${notes[@]}"; do echo "note: $n"; done
	echo "per-run figures: $raw"
} | tee "$OUT.txt"
