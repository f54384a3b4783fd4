#!/usr/bin/env bash
# Benchmark, the thundering herd on accept (issue 15): how many idle
# workers a new connection wakes. For each N in NS, rpxd with N spare
# workers; R sequential new connections (curl, one GET each, so that
# every one is an accept); the sum of the voluntary context switches of
# all of rpxd's workers (/proc/PID/status) across those requests, per
# connection, and the workers' CPU time per connection. With
# EPOLLEXCLUSIVE on the listening sockets (worker/accept_wait_epoll.c)
# a connection wakes one idle worker or a few, whatever N; without it,
# every idle worker would wake for each. BIN (default: this tree) holds
# rpxd and rpxd-worker. Env: NS ("8 500 2000"), R (300), BIN, OUT
# (bench/results/accept_herd). Run as root inside `unshare -n` (binds
# 127.0.0.1:18000 and :18080); what it starts is stopped by PID.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
NS=${NS:-"8 500 2000"}
R=${R:-300}
BIN=${BIN:-$top}
d=${OUT:-$top/bench/results/accept_herd}
M= B=

cleanup() {
	[ -n "$M" ] && kill -TERM "$M" 2>/dev/null && wait "$M"
	[ -n "$B" ] && kill -TERM "$B" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

rm -rf "$d"
mkdir -p "$d/empty" "$d/www" && chmod 755 "$d" "$d/empty" || exit 1
echo hello > "$d/www/small"
cat > "$d/nginx.conf" <<CONF
worker_processes 1;
pid $d/nginx.pid;
error_log $d/nginx.err;
events { worker_connections 1024; }
http { access_log off; server { listen 127.0.0.1:18080; root $d/www; } }
CONF
nginx -c "$d/nginx.conf" -p "$d" || exit 1
for _ in $(seq 1 50); do [ -s "$d/nginx.pid" ] && break; sleep 0.1; done
B=$(cat "$d/nginx.pid")

worker_pids() {
	local t
	t=$(pgrep -d, -P "$M" -x rpxd-template)
	pgrep -P "$M${t:+,$t}" -x rpxd-worker
}
# voluntary context switches and utime+stime ticks, summed over workers
sums() {
	local p sw=0 ti=0 v
	for p in $(worker_pids); do
		v=$(awk '/^voluntary_ctxt_switches/ {print $2}' \
		    "/proc/$p/status" 2>/dev/null) && sw=$((sw + ${v:-0}))
		v=$(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null) &&
		    ti=$((ti + ${v:-0}))
	done
	echo "$sw $ti"
}

printf '%-8s %-8s %-16s %-14s\n' workers conns "wakes/conn" "CPU ms/conn"
for n in $NS; do
	cat > "$d/rpxd.conf" <<CONF
user = "nobody"
chroot = "$d/empty"
pidfile = "$d/rpxd.pid"
control-socket = "$d/rpxd.sock"
log-level = "brief"
min-spare-workers = $n
max-spare-workers = $((n + 100))
max-workers = $((n + 200))
max-connections-per-address = 0
pressure-threshold = 0
shutdown-timeout = 5
backend "b" { server = { "127.0.0.1:18080" } }
listener "l" {
  address = "127.0.0.1"
  port = 18000
  access-log = false
  route "all" { path = "/*" backend = "b" }
}
CONF
	"$BIN/rpxd" -d -f "$d/rpxd.conf" -W "$BIN/rpxd-worker" \
	    2>"$d/rpxd-$n.log" &
	M=$!
	for _ in $(seq 1 240); do
		[ "$(worker_pids | wc -l)" -ge "$n" ] && break
		sleep 0.5
	done
	sleep 3	# the pool settles: no worker starting
	set -- $(sums)
	s0=$1 t0=$2
	for _ in $(seq 1 "$R"); do
		curl -s -o /dev/null http://127.0.0.1:18000/small
	done
	set -- $(sums)
	printf '%-8s %-8s %-16s %-14s\n' "$(worker_pids | wc -l)" "$R" \
	    "$(awk -v a="$s0" -v b="$1" -v r="$R" 'BEGIN {printf "%.2f", (b - a) / r}')" \
	    "$(awk -v a="$t0" -v b="$2" -v r="$R" 'BEGIN {printf "%.3f", (b - a) * 10 / r}')"
	kill -TERM "$M"; wait "$M"; M=
done
