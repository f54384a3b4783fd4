#!/usr/bin/env bash
# Memory per worker (issue 14): what one rpxd worker writes privately when
# it is an idle spare and when it holds one idle keep-alive connection,
# plain or TLS, after small requests, a 1 MiB download or a 60 KiB head.
# Runs the integration tests' rpxd and nginx backends (tests/integration/
# lib.sh) in a private network namespace of its own, holds one connection
# per case with bench/mem_hold.py, and prints Rss, Pss and Private_Dirty
# from /proc/PID/smaps_rollup of the worker on the other end of each, then
# of the same workers once their connections are closed. As root; takes
# about 20 s. Stops what it started, by PID. PAGES=1: also where each
# worker's private pages are, by mapping (bench/worker_pages.py;
# PAGES_ARGS=-p lists the heap's by offset); HOLD=S: keep it all S s
# before the connections close, to look at the workers; WAIT=S: measure
# S s after the last connection was made (2); CONF_EXTRA: lines added to
# the configuration.
set -u
if [ -z "${WORKER_MEM_NETNS:-}" ]; then
	exec unshare -n env WORKER_MEM_NETNS=1 bash "$0" "$@"
fi
ip link set lo up
cd "$(dirname "$0")/.." || exit 1
[ -x rpxd ] && [ -x rpxd-worker ] || make >/dev/null || exit 1
. tests/integration/lib.sh
trap cleanup EXIT
start_nginx || { echo "worker_mem: nginx did not start" >&2; exit 1; }
start_nginx_tls || { echo "worker_mem: nginx TLS did not start" >&2; exit 1; }
P=$WORK/pki
mkdir -p "$WORK/empty"
{
	base_conf 2 16 16
	echo "${CONF_EXTRA:-}"
	cat <<CONF
backend "plain" { server = { "127.0.0.1:8080" } }
backend "fe" {
	server = { "127.0.0.1:4443" }
	tls = yes
	ca-file = "$P/ca.pem"
	verify-name = "fe01.corp.local"
}
listener "http" {
	address = "127.0.0.1"
	port = 80
	route "a" { backend = "plain" }
}
listener "https" {
	address = "127.0.0.1"
	port = 443
	tls { certificate "$P/lync-ecdsa.pem" { key = "$P/lync-ecdsa.key" } }
	route "plain" { host = { "meet.example.com" } backend = "plain" }
	route "tls" { host = { "lyncweb.example.com" } backend = "fe" }
}
CONF
} > "$WORK/mem.conf"
start_rpxd "$WORK/mem.conf" || exit 1
sleep 1

# smaps PID: "Rss Pss Private_Dirty" in KiB
smaps() {
	awk '/^Rss:/ {r = $2} /^Pss:/ {p = $2} /^Private_Dirty:/ {d = $2}
	    END {printf "%7d %7d %8d", r, p, d}' "/proc/$1/smaps_rollup"
}
# worker_of PORT: the worker whose client connection comes from PORT
worker_of() {
	ss -Htnp state established "( dport = :$1 )" |
	    sed -n 's/.*"rpxd-worker",pid=\([0-9]*\).*/\1/p' | head -1
}
row() { printf '%-40s %6s %s\n' "$1" "$2" "$(smaps "$2")"; }

cases=(
	"plain, 1 small GET|80|-|meet.example.com|/small.txt"
	"plain, 1 MiB GET, then small|80|-|meet.example.com|/1m.bin /small.txt"
	"plain, 60 KiB head, then small|80|-|meet.example.com|/small.txt+60000 /small.txt"
	"TLS, 1 small GET|443|meet.example.com|meet.example.com|/small.txt"
	"TLS, 1 MiB GET, then small|443|meet.example.com|meet.example.com|/1m.bin /small.txt"
	"TLS to TLS backend, 1 small GET|443|lyncweb.example.com|lyncweb.example.com|/"
)
holders=() wpids=() names=()
for c in "${cases[@]}"; do
	IFS='|' read -r name port sni host reqs <<<"$c"
	# shellcheck disable=SC2086
	python3 bench/mem_hold.py "$port" "$sni" "$host" $reqs > "$WORK/hold.out" 2>&1 &
	h=$!
	holders+=("$h") EXTRA_PIDS+=("$h")
	for _ in $(seq 1 100); do grep -q '^ready' "$WORK/hold.out" && break; sleep 0.1; done
	lport=$(awk '/^ready/ {print $2}' "$WORK/hold.out")
	[ -n "$lport" ] || { echo "worker_mem: $name: $(cat "$WORK/hold.out")" >&2; tail -20 "$WORK/rpxd.log" >&2; exit 1; }
	wpids+=("$(worker_of "$lport")") names+=("$name")
done
sleep "${WAIT:-2}"
busy=" ${wpids[*]} "
if rev=$(git rev-parse --short HEAD 2>/dev/null); then
	git diff --quiet HEAD -- worker common || rev="$rev + changes"
else
	rev="(not a git tree)"
fi
echo "rpxd $rev, KiB per worker (smaps_rollup)"
printf '%-40s %6s %7s %7s %8s\n' "worker" pid Rss Pss Priv_Dirty
for w in $(workers); do
	case $busy in *" $w "*) continue ;; esac
	row "idle spare, never served" "$w"
done
for i in "${!wpids[@]}"; do row "holds: ${names[$i]}" "${wpids[$i]}"; done
if [ -n "${PAGES:-}" ]; then
	for w in $(workers); do
		case $busy in *" $w "*) continue ;; esac
		echo; echo "idle spare:"; python3 bench/worker_pages.py "$w"; break
	done
	for i in "${!wpids[@]}"; do
		echo; echo "holds: ${names[$i]}:"
		python3 bench/worker_pages.py ${PAGES_ARGS:-} "${wpids[$i]}"
	done
fi
[ -n "${HOLD:-}" ] && { echo "holding: rpxd $RPXD_PID, ${HOLD} s"; sleep "$HOLD"; }
for h in "${holders[@]}"; do kill "$h"; wait "$h" 2>/dev/null; done
EXTRA_PIDS=()
sleep 2
for i in "${!wpids[@]}"; do row "spare after: ${names[$i]}" "${wpids[$i]}"; done
