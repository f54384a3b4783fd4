#!/usr/bin/env bash
# Benchmark: rpxd, HAProxy and nginx as reverse proxies in front of the
# same nginx backend, run A B C A B C in one go: plain HTTP rows with wrk,
# TLS rows (termination + re-encryption to the backend's TLS server) with
# wrk and, for new handshakes per request, bench/tlshs.c (see bench/tls.sh).
# Prints requests/s and p99 per proxy (median over rounds), the ratios
# rpxd/HAProxy and rpxd/nginx, handshakes/s as a fraction of openssl speed
# sign/s, and the private RSS of an idle rpxd worker and of the master.
# Env: ROUNDS (3), DURATION (10 s), QUICK=1 (1 round of 2 s),
# PROXIES ("rpxd haproxy nginx"), TLS=0 (plain rows only), ROWS (row names
# and/or the groups "plain" and "tls"; default "plain tls"), KEEP=1 (keep
# the work dir and its logs), OUT (output prefix, bench/results/latest).
# HS_WARMUP (0: s of new handshakes per TLS listener after the warm-up).
# PROXIES may also name rpxd-kiw: rpxd built with KEYS_IN_WORKER=1 in the
# tree RPXD_KIW, run with the same configuration and ports as rpxd (never
# at the same time); bench/keys.sh uses it. Run as root. Loopback only; it
# starts its own processes from a temporary directory and stops them by PID.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
PROXIES=${PROXIES:-rpxd haproxy nginx}
if [ "${QUICK:-0}" = 1 ]; then ROUNDS=1; DURATION=2; fi
WARMUP=4		# s at 256 connections after each proxy start
TLS_WARMUP=2		# s at 50 TLS keep-alive connections, when TLS rows run
HS_WARMUP=${HS_WARMUP:-0}	# s of new handshakes per TLS listener after that
BACKEND_PORT=18080
OUT=${OUT:-bench/results/latest}
declare -A PORT=([rpxd]=18000 [haproxy]=18001 [nginx]=18002)
. "$top/bench/tls.sh"
# rpxd-kiw runs rpxd's configuration file, so it also takes rpxd's ports.
PORT[rpxd-kiw]=${PORT[rpxd]} TLS_PORT_EC[rpxd-kiw]=${TLS_PORT_EC[rpxd]} TLS_PORT_RSA[rpxd-kiw]=${TLS_PORT_RSA[rpxd]}

# row name | connections | path | extra wrk arguments | listener | tool
#   listener: plain, ec (TLS, ECDSA P-256 certificate), rsa (TLS, RSA-2048)
#   tool: wrk, or hs (bench/tlshs.c: a new TCP connection and a full TLS
#   handshake, never resumed, per request)
all_rows=("small-ka-1|1|/small||plain|wrk" "small-ka-50|50|/small||plain|wrk"
      "small-ka-256|256|/small||plain|wrk" "1MiB-ka-16|16|/1m||plain|wrk"
      "small-close-50|50|/small|-H Connection:close|plain|wrk"
      "tls-small-ka-50|50|/small||ec|wrk" "tls-1MiB-ka-16|16|/1m||ec|wrk"
      "tls-hs-ecdsa-50|50|/small||ec|hs" "tls-hs-rsa-50|50|/small||rsa|hs")
if [ "${TLS:-1}" = 0 ]; then ROWS=${ROWS:-plain}; else ROWS=${ROWS:-plain tls}; fi
rows=()
for row in "${all_rows[@]}"; do
	IFS='|' read -r name _ _ _ lis _ <<<"$row"
	group=plain; [ "$lis" != plain ] && group=tls
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
	for c in $(pgrep -P "$MPID"); do
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

declare -A rps p99 flag hsinfo
notes=()

to_ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) { sub(/us$/, "", v); print v / 1000 }
	else if (v ~ /ms$/) { sub(/ms$/, "", v); print v + 0 }
	else if (v ~ /m$/) { sub(/m$/, "", v); print v * 60000 }
	else if (v ~ /s$/) { sub(/s$/, "", v); print v * 1000 } else print "nan" }'; }

raw=$OUT-runs.txt
: > "$raw"
memline=""
for r in $(seq 1 "$ROUNDS"); do
	for p in $PROXIES; do
		if ! start_proxy "$p"; then
			notes+=("round $r: $p did not start (see its log); its runs are missing")
			case $p in rpxd*) echo "--- $p log (tail)"; tail -20 "$dir/logs/$p.log" ;; esac >&2
			[ -n "$MPID" ] && stop_proxy
			continue
		fi
		case $p in rpxd*) echo "round $r $p key-holders=$(keyholders)" >> "$raw" ;; esac
		for row in "${rows[@]}"; do
			IFS='|' read -r name conns path extra lis tool <<<"$row"
			case $lis in
			plain)	url="http://127.0.0.1:${PORT[$p]}$path" port=${PORT[$p]} ;;
			ec)	url="https://127.0.0.1:${TLS_PORT_EC[$p]}$path" port=${TLS_PORT_EC[$p]} ;;
			rsa)	url="https://127.0.0.1:${TLS_PORT_RSA[$p]}$path" port=${TLS_PORT_RSA[$p]} ;;
			esac
			if [ "$tool" = hs ]; then
				tls_run_hs "$port" "$conns" > "$dir/out" 2>&1
				v=$(awk -F': ' '$1 == "handshakes/s" {print $2}' "$dir/out")
				l=$(awk -F': ' '$1 == "p99 ms" {print $2}' "$dir/out")
				e=$(awk -F': ' '($1 == "non-2xx" || $1 == "errors" || $1 == "resumed") && $2 > 0 {printf "%s %s; ", $1, $2}
				    $1 == "last error" {last = $2} END {if (last != "") printf "last error: %s; ", last}' "$dir/out")
				[ -n "$(awk -F': ' '$1 == "ok" && $2 > 0' "$dir/out")" ] ||
				    { e="tlshs failed: $(tr '\n' ' ' < "$dir/out" | cut -c1-200)"; v=; }
				[ -n "$l" ] && p99[$p,$name]+="$l "
				hsinfo[$p,$name]=$(awk -F': ' '$1 == "first" {print $2}' "$dir/out")
			else
				threads=2; [ "$conns" -lt 2 ] && threads=1	# wrk needs connections >= threads
				timeout $((DURATION + 30)) wrk -t "$threads" -c "$conns" -d "${DURATION}s" --timeout 5s --latency \
				    $extra "$url" > "$dir/out" 2>&1
				v=$(awk '/^Requests\/sec/ {print $2}' "$dir/out")
				l=$(awk '$1 == "99%" {print $2}' "$dir/out")
				e=$(awk '/Socket errors|Non-2xx/ {sub(/^ +/, ""); printf "%s; ", $0}' "$dir/out")
				[ -n "$v" ] || { e="wrk failed: $(tr '\n' ' ' < "$dir/out" | cut -c1-200)"; v=; }
				[ -n "$l" ] && p99[$p,$name]+="$(to_ms "$l") "
			fi
			[ -n "$v" ] && rps[$p,$name]+="$v "
			if [ -n "$e" ]; then
				flag[$p,$name]='!'
				notes+=("round $r: $p $name: $e")
			fi
			echo "round $r $p $name req/s=${v:-none} p99=${l:-none} ${e}" >> "$raw"
		done
		if [ "$p" = rpxd ]; then
			kill -0 "$MPID" 2>/dev/null || notes+=("round $r: the rpxd master exited during the runs")
			[ -z "$memline" ] && rpxd_memory
		fi
		stop_proxy
	done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR] = $1} END { if (NR == 0) print "-"
	else if (NR % 2) print a[(NR + 1) / 2]; else printf "%.2f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else print "-" }'; }
{
	echo "rpxd vs HAProxy vs nginx as reverse proxies to one nginx backend (1 worker), 127.0.0.1, $(nproc) CPUs shared by wrk, backend and proxy"
	echo "HAProxy nbthread 2, nginx worker_processes 2, rpxd prefork (min-spare 260, max-workers 512): each may use both CPUs"
	case " $PROXIES " in *" rpxd-kiw "*) echo "rpxd-kiw: rpxd built with KEYS_IN_WORKER=1 (private keys in the workers, no key holders), same configuration and ports as rpxd" ;; esac
	echo "access logs on for all three: rpxd stderr to a file, nginx to a file, HAProxy httplog to UDP syslog (nothing listening)"
	echo "$ROUNDS round(s) in A B C order, ${DURATION}s per run, median over rounds; wrk -t2 (-t1 for 1 connection); ${WARMUP}s warm-up at 256 connections per start"
	if [ $want_tls = 1 ]; then
		echo "tls-* rows: TLS 1.2+1.3, Mozilla intermediate ciphers, re-encrypted over HTTP/1.1 to the backend nginx's TLS server (ECDSA P-256, verified against the bench CA by all three);"
		echo "  tls-*-ka rows: wrk over https, ECDSA P-256 listener; tls-hs-* rows: bench/tlshs.c, 50 threads, a new connection and a full handshake per request,"
		echo "  never resumed (req/s = handshakes/s; p99 = connect + handshake + request + response);"
		echo "  backend reuse: nginx keepalive 64, HAProxy http-reuse always (TLS backend only), rpxd its own"
	fi
	echo "! = a run with socket errors, non-2xx responses or resumed sessions (listed below). Quote the ratios, not the absolute figures: the machine is shared."
	echo
	printf '%-15s' row; for p in $PROXIES; do printf '%15s %8s' "$p req/s" "p99 ms"; done
	printf ' %13s %11s\n' rpxd/haproxy rpxd/nginx
	for row in "${rows[@]}"; do
		name=${row%%|*}
		printf '%-15s' "$name"
		for p in $PROXIES; do
			printf '%15s %8s' "$(echo "${rps[$p,$name]:-}" | median)${flag[$p,$name]:-}" "$(echo "${p99[$p,$name]:-}" | median)"
		done
		a=$(echo "${rps[rpxd,$name]:-}" | median)
		printf ' %13s %11s\n' "$(ratio "$a" "$(echo "${rps[haproxy,$name]:-}" | median)")" \
		    "$(ratio "$a" "$(echo "${rps[nginx,$name]:-}" | median)")"
	done
	hsrows=()
	for row in "${rows[@]}"; do IFS='|' read -r name _ _ _ _ tool <<<"$row"; [ "$tool" = hs ] && hsrows+=("$row"); done
	if [ ${#hsrows[@]} -gt 0 ]; then
		echo
		echo "handshakes/s as a fraction of openssl speed sign/s on one core for the same key (ecdsap256: ${SIGN_EC:-?}, rsa2048: ${SIGN_RSA:-?})"
		printf '%-15s %10s' row "sign/s"; for p in $PROXIES; do printf ' %16s' "$p hs/sign"; done
		printf ' %13s %11s\n' rpxd/haproxy rpxd/nginx
		for row in "${hsrows[@]}"; do
			IFS='|' read -r name _ _ _ lis _ <<<"$row"
			sg=$SIGN_EC; [ "$lis" = rsa ] && sg=$SIGN_RSA
			printf '%-15s %10s' "$name" "${sg:--}"
			for p in $PROXIES; do
				f=$(awk -v a="$(echo "${rps[$p,$name]:-}" | median)" -v b="$sg" \
				    'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.4f", a / b; else print "-" }')
				printf ' %16s' "$f${flag[$p,$name]:-}"
			done
			a=$(echo "${rps[rpxd,$name]:-}" | median)
			printf ' %13s %11s\n' "$(ratio "$a" "$(echo "${rps[haproxy,$name]:-}" | median)")" \
			    "$(ratio "$a" "$(echo "${rps[nginx,$name]:-}" | median)")"
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
