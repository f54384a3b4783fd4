#!/usr/bin/env bash
# Benchmark, the master's own CPU time beside many idle workers in the
# foreground (rpxd -d, where every child's stderr is a pipe the master
# reads, master/childlog.c): N spare workers, then T seconds each of no
# load, wrk at 10 connections, and a curl loop; per phase the master's
# utime+stime from /proc/PID/stat (ticks, 1/100 s). BIN (default: this
# tree) holds rpxd and rpxd-worker, so that two builds can be compared.
# Env: N (2000), T (20), BIN, OUT (bench/results/master_cpu). Run as
# root inside `unshare -n` (binds 127.0.0.1:18000 and :18080); what it
# starts is stopped by PID.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
N=${N:-2000}
T=${T:-20}
BIN=${BIN:-$top}
d=${OUT:-$top/bench/results/master_cpu}
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
cat > "$d/rpxd.conf" <<CONF
user = "nobody"
chroot = "$d/empty"
pidfile = "$d/rpxd.pid"
control-socket = "$d/rpxd.sock"
log-level = "brief"
min-spare-workers = $N
max-spare-workers = $((N + 100))
max-workers = $((N + 200))
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
nginx -c "$d/nginx.conf" -p "$d" || exit 1
for _ in $(seq 1 50); do [ -s "$d/nginx.pid" ] && break; sleep 0.1; done
B=$(cat "$d/nginx.pid")
"$BIN/rpxd" -d -f "$d/rpxd.conf" -W "$BIN/rpxd-worker" 2>"$d/rpxd.log" &
M=$!

cpu() { awk '{print $14 + $15}' "/proc/$M/stat"; }
workers() {
	local t
	t=$(pgrep -d, -P "$M" -x rpxd-template)
	pgrep -c -P "$M${t:+,$t}" -x rpxd-worker
}
for _ in $(seq 1 240); do
	n=$(workers)
	[ "$n" -ge "$N" ] && break
	sleep 0.5
done
echo "workers: $n (pipes the master reads: $(find /proc/$M/fd -lname 'pipe:*' | wc -l))"
sleep 3
c0=$(cpu); sleep "$T"; c1=$(cpu)
echo "idle $T s: master $((c1 - c0)) ticks"
c0=$(cpu)
wrk -t1 -c10 -d"${T}s" http://127.0.0.1:18000/small > "$d/wrk.out" 2>&1
c1=$(cpu)
echo "wrk -c10 $T s: master $((c1 - c0)) ticks," \
    "$(awk '/Requests\/sec/ {print $2}' "$d/wrk.out") req/s"
c0=$(cpu) k=0 end=$((SECONDS + T))
while [ $SECONDS -lt $end ]; do
	curl -s -o /dev/null http://127.0.0.1:18000/small && k=$((k + 1))
done
c1=$(cpu)
echo "curl loop $T s ($k requests): master $((c1 - c0)) ticks"
