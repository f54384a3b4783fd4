#!/usr/bin/env bash
# Benchmark: rpxd, HAProxy and nginx as plain HTTP reverse proxies in front
# of the same nginx backend, run A B C A B C in one go with wrk. Prints
# requests/s and p99 per proxy, the ratios rpxd/HAProxy and rpxd/nginx,
# and the private RSS of an idle rpxd worker and of the master.
# Env: ROUNDS (2), DURATION (10 s), QUICK=1 (1 round of 2 s),
# PROXIES ("rpxd haproxy nginx"). Loopback only; stops what it starts.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=${ROUNDS:-2}
DURATION=${DURATION:-10}
PROXIES=${PROXIES:-rpxd haproxy nginx}
if [ "${QUICK:-0}" = 1 ]; then ROUNDS=1; DURATION=2; fi
ulimit -n 65536 2>/dev/null || true	# HAProxy sizes its fd limit from maxconn
for t in nginx haproxy wrk; do
	command -v $t >/dev/null || apt-get install -y -qq $t >/dev/null ||
	    { apt-get update -qq && apt-get install -y -qq $t >/dev/null; }
done
[ -x "$top/rpxd" ] && [ -x "$top/rpxd-worker" ] || make -C "$top" >/dev/null
dir=$(mktemp -d /tmp/rpxd-bench.XXXXXX)
chmod 755 "$dir"
mkdir -p "$dir/logs" "$dir/tmp" "$dir/www" "$dir/empty" "$top/bench/results"
head -c 100 /dev/zero | tr '\0' x > "$dir/www/small"
head -c 1048576 /dev/urandom > "$dir/www/1m"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT

nginx_common="error_log $dir/logs/error.log; events { worker_connections 4096; }"
cat > "$dir/backend.conf" <<CONF
worker_processes 1; pid $dir/backend.pid; $nginx_common
http { access_log off; client_body_temp_path $dir/tmp; keepalive_requests 1000000;
  server { listen 127.0.0.1:18080; root $dir/www; } }
CONF
cat > "$dir/nginx.conf" <<CONF
worker_processes 2; pid $dir/nginx.pid; $nginx_common
http { access_log $dir/logs/nginx-access.log; client_body_temp_path $dir/tmp;
  proxy_temp_path $dir/tmp; keepalive_requests 1000000;
  upstream be { server 127.0.0.1:18080; keepalive 64; }
  server { listen 127.0.0.1:18002; location / { proxy_pass http://be;
    proxy_http_version 1.1; proxy_set_header Connection ""; } } }
CONF
cat > "$dir/haproxy.cfg" <<CONF
global
  nbthread 2
  log 127.0.0.1:5514 local0
  maxconn 4096
defaults
  mode http
  log global
  option httplog
  option http-keep-alive
  http-reuse safe
  timeout connect 5s
  timeout client 60s
  timeout server 60s
frontend fe
  bind 127.0.0.1:18001
  default_backend be
backend be
  server s1 127.0.0.1:18080
CONF
cat > "$dir/rpxd.conf" <<CONF
user = "nobody"
chroot = "$dir/empty"
pidfile = "$dir/rpxd.pid"
min-spare-workers = 260
max-spare-workers = 300
max-workers = 512
backend "nginx" { server = { "127.0.0.1:18080" } }
listener "bench" {
  address = "127.0.0.1"
  port = 18000
  route "all" { path = "/*" backend = "nginx" }
}
CONF

wait_port() { for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }

nginx -c "$dir/backend.conf" -p "$dir" && wait_port 18080 || { echo "backend failed"; exit 1; }
pids+=("$(cat "$dir/backend.pid")")

start_proxy() {	# name -> sets PORT and PPID_
	case $1 in
	rpxd)	"$top/rpxd" -d -f "$dir/rpxd.conf" -W "$top/rpxd-worker" 2>"$dir/logs/rpxd.log" &
		PPID_=$!; PORT=18000 ;;
	haproxy) haproxy -f "$dir/haproxy.cfg" -db >/dev/null 2>&1 &
		PPID_=$!; PORT=18001 ;;
	nginx)	nginx -c "$dir/nginx.conf" -p "$dir"; sleep 0.3
		PPID_=$(cat "$dir/nginx.pid"); PORT=18002 ;;
	esac
	pids+=("$PPID_")
	wait_port $PORT
	# Warm-up, the same for every proxy: rpxd's prefork pool grows to the
	# 256 connections of the largest row before anything is measured.
	wrk -t 2 -c 256 -d 4s "http://127.0.0.1:$PORT/small" >/dev/null 2>&1
	sleep 1
	return 0
}
stop_proxy() { kill "$PPID_" 2>/dev/null; for _ in $(seq 1 50); do kill -0 "$PPID_" 2>/dev/null || break; sleep 0.1; done; }

# row name, wrk connections, path, extra wrk args
rows=("small-ka-1|1|/small|" "small-ka-50|50|/small|" "small-ka-256|256|/small|"
      "1MiB-ka-16|16|/1m|" "small-close-50|50|/small|-H Connection:close")
declare -A rps p99 errs

to_ms() { awk -v v="$1" 'BEGIN{ if (v ~ /us$/) {sub(/us/,"",v); print v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v); print v} else if (v ~ /s$/) {sub(/s/,"",v); print v*1000} else print v }'; }

memline=""
for r in $(seq 1 "$ROUNDS"); do
	for p in $PROXIES; do
		start_proxy "$p"
		for row in "${rows[@]}"; do
			IFS='|' read -r name conns path extra <<<"$row"
			threads=2; [ "$conns" -lt 2 ] && threads=1
			wrk -t "$threads" -c "$conns" -d "${DURATION}s" --latency $extra "http://127.0.0.1:$PORT$path" > "$dir/out" 2>&1
			rps[$p,$name]+="$(awk '/^Requests\/sec/ {print $2}' "$dir/out") "
			p99[$p,$name]+="$(to_ms "$(awk '$1=="99%" {print $2}' "$dir/out")") "
			e=$(awk '/Socket errors|Non-2xx/ {printf "%s ", $0}' "$dir/out")
			[ -n "$e" ] && errs[$p,$name]+="[$e] "
		done
		if [ "$p" = rpxd ] && [ -z "$memline" ]; then
			sleep 3
			w=$(pgrep -P "$PPID_" | head -1)
			priv() { awk '/^Private_(Clean|Dirty)/ {s+=$2} END {print s}' "/proc/$1/smaps_rollup"; }
			wk=$(priv "$w"); mk=$(priv "$PPID_")
			memline="memory: idle rpxd worker private RSS ${wk} KiB ($([ "$wk" -lt 2048 ] && echo PASS || echo FAIL) < 2048), master ${mk} KiB ($([ "$mk" -lt 2048 ] && echo PASS || echo FAIL) < 2048)"
		fi
		stop_proxy
	done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {if (NR==0) print "nan"; else print a[int((NR+1)/2)]}'; }
{
	echo "rpxd vs HAProxy (nbthread 2) vs nginx (2 workers), one run, ${ROUNDS} round(s) of ${DURATION}s, wrk -t2 (-t1 for 1 connection), after a 4 s warm-up at 256 connections"
	echo "access logs on for all three (rpxd to a file, nginx to a file, haproxy to UDP syslog)"
	printf '%-16s' row; for p in $PROXIES; do printf '%14s %9s' "$p req/s" "p99 ms"; done
	printf ' %12s %12s\n' rpxd/haproxy rpxd/nginx
	for row in "${rows[@]}"; do
		name=${row%%|*}
		printf '%-16s' "$name"
		for p in $PROXIES; do
			printf '%14s %9s' "$(echo "${rps[$p,$name]:-}" | median)" "$(echo "${p99[$p,$name]:-}" | median)"
		done
		a=$(echo "${rps[rpxd,$name]:-}" | median); h=$(echo "${rps[haproxy,$name]:-}" | median); n=$(echo "${rps[nginx,$name]:-}" | median)
		printf ' %12s %12s\n' "$(awk -v a="$a" -v b="$h" 'BEGIN{ if (b+0>0) printf "%.2f", a/b; else print "-" }')" \
		    "$(awk -v a="$a" -v b="$n" 'BEGIN{ if (b+0>0) printf "%.2f", a/b; else print "-" }')"
	done
	for k in "${!errs[@]}"; do echo "errors $k: ${errs[$k]}"; done
	[ -n "$memline" ] && echo "$memline"
} | tee "$top/bench/results/latest.txt"
