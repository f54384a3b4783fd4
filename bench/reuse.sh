#!/usr/bin/env bash
# Benchmark, kept backend connections (issue 15): the CPU time rpxd spends
# per request when every request comes on a new client connection (wrk,
# Connection: close), with backend-idle-connections 4 (each worker keeps
# its backend connection for its next clients) and 0 (a new backend
# connection, and with TLS a new handshake, per client connection). An
# nginx backend (1 worker, a 100-byte answer), plain and TLS (the test
# PKI's ECDSA P-256 fe01 certificate, tests/integration/tls_pki.sh);
# rounds alternate A B B A. CPU: of every process of rpxd, exited ones
# included, from a cgroup of its own (v2 cpu.stat, else v1 cpuacct;
# bench/README.md says why not /proc), or /proc/PID/stat of its tree
# (utime+stime+cutime+cstime) when there is none. Prints one
# line per run and the medians' ratio. Env: ROUNDS (3), DURATION (8 s),
# CONNS (8). Run as root, inside `unshare -n` (it binds 127.0.0.1:80);
# everything started is stopped by PID.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-8}
CONNS=${CONNS:-8}
B=$(mktemp -d /tmp/rpxd-bench-reuse.XXXXXX)
chmod 755 "$B"
NGINX_PID=
RPXD_PID=
CG=
CGV=
for m in /sys/fs/cgroup /sys/fs/cgroup/unified; do
	[ "$(stat -f -c %T "$m" 2>/dev/null)" = cgroup2fs ] &&
	    mkdir "$m/rpxd-bench-reuse.$$" 2>/dev/null &&
	    { CG=$m/rpxd-bench-reuse.$$; CGV=2; break; }
done
if [ -z "$CG" ] && mkdir "/sys/fs/cgroup/cpuacct/rpxd-bench-reuse.$$" \
    2>/dev/null; then
	CG=/sys/fs/cgroup/cpuacct/rpxd-bench-reuse.$$
	CGV=1
fi
[ -z "$CG" ] && echo "reuse.sh: no cgroup: CPU from /proc" >&2
cleanup() {
	[ -n "$RPXD_PID" ] && kill -TERM "$RPXD_PID" 2>/dev/null
	[ -n "$NGINX_PID" ] && kill -TERM "$NGINX_PID" 2>/dev/null
	[ -n "$RPXD_PID" ] && wait "$RPXD_PID" 2>/dev/null
	[ -n "$CG" ] && rmdir "$CG" 2>/dev/null
	rm -rf "$B"
}
trap cleanup EXIT
. "$top/tests/integration/tls_pki.sh"
make_pki "$B/pki" >/dev/null 2>&1 || { echo "no test PKI"; exit 1; }
mkdir -p "$B/empty" "$B/ng/logs" "$B/ng/tmp"
chmod 777 "$B/ng/tmp"
cat > "$B/ng/nginx.conf" <<CONF
worker_processes 1;
error_log $B/ng/logs/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $B/ng/tmp;
    proxy_temp_path $B/ng/tmp;
    fastcgi_temp_path $B/ng/tmp;
    uwsgi_temp_path $B/ng/tmp;
    scgi_temp_path $B/ng/tmp;
    keepalive_requests 1000000;
    default_type text/plain;
    server {
        listen 127.0.0.1:18080;
        listen 127.0.0.1:18443 ssl;
        ssl_certificate $B/pki/fe01.pem;
        ssl_certificate_key $B/pki/fe01.key;
        location / { return 200 "$(printf '%0100d' 0)"; }
    }
}
CONF
nginx -c "$B/ng/nginx.conf" -p "$B/ng" -g "pid $B/ng/nginx.pid;" || exit 1
sleep 0.5
NGINX_PID=$(cat "$B/ng/nginx.pid")

conf() {	# backend-idle-connections
	cat <<CONF
user = "nobody"
chroot = "$B/empty"
pidfile = "$B/rpxd.pid"
min-spare-workers = 12
max-spare-workers = 16
max-workers = 32
backend-idle-connections = $1
backend "plain" { server = { "127.0.0.1:18080" } }
backend "tls" {
	server = { "127.0.0.1:18443" }
	tls = yes
	ca-file = "$B/pki/ca.pem"
	verify-name = "fe01.corp.local"
}
listener "http" {
	address = "127.0.0.1"
	port = 80
	route "plain" { host = { "plain.bench" } backend = "plain" }
	route "tls" { host = { "tls.bench" } backend = "tls" }
}
CONF
}

# Clock ticks of a process tree: utime stime cutime cstime of each.
tree_ticks() {
	local pids=$1 all=$1 kids p
	while [ -n "$pids" ]; do
		kids=$(for p in $pids; do pgrep -P "$p"; done | tr '\n' ' ')
		all="$all $kids"
		pids=$(echo $kids)
	done
	for p in $all; do
		awk '{ sub(/.*\) /, ""); print $12 + $13 + $14 + $15 }' \
		    "/proc/$p/stat" 2>/dev/null
	done | awk '{ s += $1 } END { print s + 0 }'
}

# Microseconds of CPU of rpxd so far: its cgroup's, or its tree's.
cpu_us() {
	case $CGV in
	2)	awk '/^usage_usec / { print $2 }' "$CG/cpu.stat" ;;
	1)	echo $(( $(cat "$CG/cpuacct.usage") / 1000 )) ;;
	*)	echo $(( $(tree_ticks "$RPXD_PID") * 1000000 / \
		    $(getconf CLK_TCK) )) ;;
	esac
}

run() {	# idle host: prints "requests cpu_us_per_request"
	local t0 t1 n
	conf "$1" > "$B/r.conf"
	( [ -z "$CG" ] || echo "$BASHPID" > "$CG/cgroup.procs"
	exec "$top/rpxd" -d -f "$B/r.conf" -W "$top/rpxd-worker" ) \
	    > "$B/rpxd.log" 2>&1 &
	RPXD_PID=$!
	sleep 2
	wrk -t1 -c"$CONNS" -d2s -H "Host: $2" -H "Connection: close" \
	    http://127.0.0.1/ >/dev/null 2>&1
	t0=$(cpu_us)
	n=$(wrk -t1 -c"$CONNS" -d"$DURATION"s -H "Host: $2" \
	    -H "Connection: close" http://127.0.0.1/ 2>&1 |
	    awk '/requests in/ { print $1 }')
	t1=$(cpu_us)
	kill -TERM "$RPXD_PID"
	wait "$RPXD_PID" 2>/dev/null
	RPXD_PID=
	echo "$n $(( (t1 - t0) / n ))"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

for host in plain.bench tls.bench; do
	: > "$B/on" ; : > "$B/off"
	for ((r = 0; r < ROUNDS; r++)); do
		for idle in 4 0 0 4; do
			set -- $(run "$idle" "$host")
			echo "$host backend-idle-connections=$idle requests=$1" \
			    "cpu_us_per_request=$2"
			[ "$idle" = 4 ] && echo "$2" >> "$B/on" ||
			    echo "$2" >> "$B/off"
		done
	done
	on=$(median < "$B/on")
	off=$(median < "$B/off")
	echo "$host: median CPU per request kept $on us, new $off us," \
	    "kept/new $(awk -v a="$on" -v b="$off" 'BEGIN { printf "%.2f", a / b }')"
done
