# The proxies of the benchmark, sourced by bench/run.sh and bench/idle.sh
# once their settings (ports, PROXIES, want_tls, WARMUP ...) are set and
# bench/tls.sh is sourced: installs nginx, haproxy and wrk if missing,
# builds rpxd if needed, checks that the ports are free, makes the work dir
# ($dir), the pid list and the cleanup trap, writes the configurations of
# the backend nginx, the proxy nginx, HAProxy and rpxd, starts the backend,
# and defines start_proxy / stop_proxy (by PID). A caller may change the
# connection limits and timeouts (the defaults are run.sh's):
#   NGINX_WORKER_CONNECTIONS (4096), NGINX_MAIN_EXTRA, NGINX_HTTP_EXTRA
#   (main / http context lines of the proxy nginx), HAPROXY_MAXCONN (4096),
#   HAPROXY_DEFAULTS_EXTRA, RPXD_POOL (the pool settings), RPXD_EXTRA
#   (more global settings; max-connections-per-address and
#   pressure-threshold are 0 already), WARMUP_CONNS (256; WARMUP=0 and TLS_WARMUP=0
#   skip the warm-up), PROXY_THREADS (HAProxy nbthread and nginx
#   worker_processes; 2, or 1 with PIN=1).
# Pinning (PIN=1; run.sh's default, idle.sh's is 0): this script and all
# it starts (backend, wrk, the bench clients) run on LOAD_CPU (1), the
# proxies on PROXY_CPU (0), so a proxy never competes with its load.
# CPU accounting: each proxy is started in a cgroup of its own
# (cgroup v2 if mounted, at /sys/fs/cgroup or /sys/fs/cgroup/unified;
# CPU_ACCOUNT=proc to skip it) whose cpu.stat counts every process it
# ever had, forked workers that exited included; proxy_cpu reads it, and
# proc_tree_cpu reads /proc/PID/stat over the process tree as a check.
me=${me:-run.sh}
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true	# HAProxy sizes its fd limit from maxconn

for t in nginx haproxy wrk; do
	command -v $t >/dev/null && continue
	apt-get install -y -qq $t >/dev/null ||
	    { apt-get update -qq && apt-get install -y -qq $t >/dev/null; } ||
	    { echo "$me: cannot install $t" >&2; exit 1; }
done
case " $PROXIES " in *" rpxd "*)
	[ -x rpxd ] && [ -x rpxd-worker ] && [ -x rpxd-keys ] || make >/dev/null ||
	    { echo "$me: make failed" >&2; exit 1; } ;;
esac

PIN=${PIN:-0} PROXY_CPU=${PROXY_CPU:-0} LOAD_CPU=${LOAD_CPU:-1}
if [ "$PIN" = 1 ] && [ "$(nproc --all)" -lt 2 ]; then echo "$me: PIN=1 needs 2 CPUs; running unpinned" >&2; PIN=0; fi
proxy_pin=()
if [ "$PIN" = 1 ]; then
	taskset -pc "$LOAD_CPU" $$ >/dev/null || { echo "$me: taskset failed" >&2; exit 1; }
	proxy_pin=(taskset -c "$PROXY_CPU")
	PROXY_THREADS=${PROXY_THREADS:-1}
fi
PROXY_THREADS=${PROXY_THREADS:-2}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() { for _ in $(seq 1 50); do port_busy "$1" && return 0; sleep 0.1; done; return 1; }
for p in $BACKEND_PORT ${PORT[rpxd]} ${PORT[haproxy]} ${PORT[nginx]} $([ $want_tls = 1 ] && tls_ports); do
	port_busy $p && { echo "$me: 127.0.0.1:$p is already in use" >&2; exit 1; }
done

dir=$(mktemp -d /tmp/rpxd-bench.XXXXXX)
chmod 755 "$dir"	# nginx workers (nobody) read www/
mkdir -p "$dir/logs" "$dir/tmp" "$dir/www" "$dir/empty" bench/results
head -c 100 /dev/zero | tr '\0' x > "$dir/www/small"
head -c 1048576 /dev/urandom > "$dir/www/1m"

# Everything started is listed here by PID and removed once it is gone,
# so that a PID is never signalled after it could have been reused.
pids=()
forget() { local q=() x; for x in "${pids[@]}"; do [ "$x" != "$1" ] && q+=("$x"); done; pids=("${q[@]}"); }
stop_pid() {	# master [children...]: TERM the master, wait up to 10 s for
		# all of them (the master stops its own children), KILL leftovers
	local p
	kill -TERM "$1" 2>/dev/null
	for _ in $(seq 1 100); do
		for p in "$@"; do kill -0 "$p" 2>/dev/null && break 1; p=; done
		[ -z "$p" ] && break
		sleep 0.1
	done
	for p in "$@"; do
		kill -0 "$p" 2>/dev/null && { echo "$me: PID $p still there 10 s after TERM, KILL" >&2; kill -KILL "$p" 2>/dev/null; }
		forget "$p"
	done
	wait "$@" 2>/dev/null	# reap those that are our children
}
cleanup() {
	local p
	for p in "${pids[@]}"; do stop_pid "$p" $(pgrep -P "$p"); done
	cg_remove
	if [ "${KEEP:-0}" = 1 ]; then echo "$me: work dir and logs kept in $dir" >&2; else rm -rf "$dir"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# The proxies' cgroups: $cg_base/NAME, made here and removed on exit.
cg_base=
cg_setup() {
	local m
	[ "${CPU_ACCOUNT:-cgroup}" = proc ] && return
	for m in /sys/fs/cgroup /sys/fs/cgroup/unified; do
		[ "$(stat -f -c %T "$m" 2>/dev/null)" = cgroup2fs ] || continue
		mkdir "$m/rpxd-bench.$$" 2>/dev/null && { cg_base=$m/rpxd-bench.$$; return; }
	done
	echo "$me: no writable cgroup v2 hierarchy: CPU time from /proc/PID/stat of the process tree" >&2
}
cg_remove() {	# every proxy is stopped by then; a cgroup with a process left is reported
	local d
	[ -n "$cg_base" ] || return
	for d in "$cg_base"/*/; do [ -d "$d" ] && { rmdir "$d" 2>/dev/null || echo "$me: cannot remove $d (processes left: $(cat "$d/cgroup.procs" | tr '\n' ' '))" >&2; }; done
	rmdir "$cg_base" 2>/dev/null
}
cg_enter() {	# name: move the calling (sub)shell into the proxy's cgroup
	[ -n "$cg_base" ] || return 0
	mkdir -p "$cg_base/$1" && echo "$BASHPID" > "$cg_base/$1/cgroup.procs"
}
CLK_TCK=$(getconf CLK_TCK)
tree() {	# pid -> that process and all its descendants, one a line
	ps -e -o pid=,ppid= | awk -v root="$1" '{ kids[$2] = kids[$2] " " $1 }
	    END { q[1] = root; n = 1; for (i = 1; i <= n; i++) { print q[i]; m = split(kids[q[i]], k, " ")
		for (j = 1; j <= m; j++) q[++n] = k[j] } }'
}
proc_tree_cpu() {	# pid -> us: utime+stime+cutime+cstime over the tree
	# (children that exited are in their parent's cutime/cstime once
	# reaped; a process that exits between two samples moves its time
	# from its own line to its parent's, so the difference still counts it)
	local p files=()
	for p in $(tree "$1"); do files+=("/proc/$p/stat"); done
	cat "${files[@]}" 2>/dev/null | sed 's/.*) //' |
	    awk -v t="$CLK_TCK" '{s += $12 + $13 + $14 + $15} END {printf "%.0f\n", s * 1e6 / t}'
}
proxy_cpu() {	# name pid -> "total_us user_us system_us", cgroup or /proc
	local f=$cg_base/$1/cpu.stat
	if [ -n "$cg_base" ] && [ -r "$f" ]; then
		awk '$1 == "usage_usec" {t = $2} $1 == "user_usec" {u = $2} $1 == "system_usec" {s = $2}
		    END {print t + 0, u + 0, s + 0}' "$f"
	else
		local files=() p
		for p in $(tree "$2"); do files+=("/proc/$p/stat"); done
		cat "${files[@]}" 2>/dev/null | sed 's/.*) //' |
		    awk -v t="$CLK_TCK" '{u += $12 + $14; s += $13 + $15}
			END {printf "%.0f %.0f %.0f\n", (u + s) * 1e6 / t, u * 1e6 / t, s * 1e6 / t}'
	fi
}
cg_setup

# TLS: certificates, the handshake client, openssl speed (before anything
# else runs) and the configuration snippets; all empty without TLS rows.
tls_backend_nginx= tls_nginx_http= tls_haproxy_global= tls_haproxy_sections= tls_rpxd=
SIGN_EC= SIGN_RSA=
if [ $want_tls = 1 ]; then tls_setup || exit 1; fi

# nginx: every temporary path in the work dir, nothing under /var.
nginx_common="error_log $dir/logs/error.log; events { worker_connections ${NGINX_WORKER_CONNECTIONS:-4096}; }"
nginx_http="client_body_temp_path $dir/tmp/body; proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fcgi; uwsgi_temp_path $dir/tmp/uwsgi; scgi_temp_path $dir/tmp/scgi;"
cat > "$dir/backend.conf" <<CONF
worker_processes 1; pid $dir/backend.pid; $nginx_common
http { $nginx_http access_log off; keepalive_requests 1000000;
  server { listen 127.0.0.1:$BACKEND_PORT; root $dir/www; }
  $tls_backend_nginx }
CONF
# The proxy nginx: no access log (none of the three logs requests),
# upstream keep-alive, and
# proxy_max_temp_file_size 0 so that a 1 MiB response is relayed through
# the memory buffers as HAProxy and rpxd do, not spooled to a temp file.
cat > "$dir/nginx.conf" <<CONF
worker_processes $PROXY_THREADS; pid $dir/nginx.pid; $nginx_common ${NGINX_MAIN_EXTRA:-}
http { $nginx_http access_log off; keepalive_requests 1000000; ${NGINX_HTTP_EXTRA:-}
  upstream be { server 127.0.0.1:$BACKEND_PORT; keepalive 64; }
  server { listen 127.0.0.1:${PORT[nginx]}; location / { proxy_pass http://be;
    proxy_http_version 1.1; proxy_set_header Connection "";
    proxy_max_temp_file_size 0; } }
  $tls_nginx_http }
CONF
# HAProxy: no log at all (no `log` line), and idle backend connections
# shared between client connections (`http-reuse always`), as nginx's
# upstream keepalive does.
cat > "$dir/haproxy.cfg" <<CONF
global
  nbthread $PROXY_THREADS
  maxconn ${HAPROXY_MAXCONN:-4096}
$tls_haproxy_global
defaults
  mode http
  option http-keep-alive
  http-reuse always
  timeout connect 5s
  timeout client 60s
  timeout server 60s
${HAPROXY_DEFAULTS_EXTRA:-}
frontend fe
  bind 127.0.0.1:${PORT[haproxy]}
  default_backend be
backend be
  server s1 127.0.0.1:$BACKEND_PORT
$tls_haproxy_sections
CONF
# rpxd: one process per connection, so the pool is kept above the 256
# connections of the largest row; no access lines (access-log = false on
# every listener), errors still go to stderr, a file. Every client of the
# bench is 127.0.0.1 and its connections are the load itself: no
# per-address limit and no pressure mode (neither reference has either),
# which would refuse or close the load generator's own connections.
cat > "$dir/rpxd.conf" <<CONF
user = "nobody"
chroot = "$dir/empty"
pidfile = "$dir/rpxd.pid"
control-socket = "$dir/rpxd.sock"
log-level = "brief"
${RPXD_POOL:-min-spare-workers = 260
max-spare-workers = 300
max-workers = 512}
max-connections-per-address = 0
pressure-threshold = 0
${RPXD_EXTRA:-}
shutdown-timeout = 5
backend "nginx" { server = { "127.0.0.1:$BACKEND_PORT" } }
listener "bench" {
  address = "127.0.0.1"
  port = ${PORT[rpxd]}
  access-log = false
  route "all" { path = "/*" backend = "nginx" }
}
$tls_rpxd
CONF

pidfile_pid() { for _ in $(seq 1 50); do [ -s "$1" ] && { cat "$1"; return 0; }; sleep 0.1; done; return 1; }

nginx -c "$dir/backend.conf" -p "$dir" || { echo "$me: backend nginx failed" >&2; exit 1; }
bpid=$(pidfile_pid "$dir/backend.pid") || { echo "$me: backend nginx wrote no pid" >&2; exit 1; }
pids+=("$bpid")
wait_port $BACKEND_PORT || { echo "$me: backend not listening" >&2; exit 1; }
if [ $want_tls = 1 ]; then wait_port $BACKEND_TLS_PORT || { echo "$me: backend TLS server not listening" >&2; exit 1; }; fi

start_proxy() {	# name -> sets MPID (the master / only process); 1 on failure
	MPID=
	case $1 in
	# Each in its cgroup and on PROXY_CPU (PIN=1), from a subshell that
	# moves itself there and then execs the proxy: every process the
	# proxy starts inherits both.
	rpxd)	(cg_enter "$1" && exec "${proxy_pin[@]}" "${RPXD_BIN:-./rpxd}" -d -f "$dir/rpxd.conf" -W "${RPXD_WORKER:-$top/rpxd-worker}") 2>"$dir/logs/rpxd.log" &
		MPID=$! ;;
	rpxd-kiw) (cg_enter "$1" && exec "${proxy_pin[@]}" "$RPXD_KIW/rpxd" -d -f "$dir/rpxd.conf" -W "$RPXD_KIW/rpxd-worker") 2>"$dir/logs/rpxd-kiw.log" &
		MPID=$! ;;
	haproxy) (cg_enter "$1" && exec "${proxy_pin[@]}" haproxy -f "$dir/haproxy.cfg" -db) >"$dir/logs/haproxy.log" 2>&1 &
		MPID=$! ;;
	nginx)	rm -f "$dir/nginx.pid"
		(cg_enter "$1" && exec "${proxy_pin[@]}" nginx -c "$dir/nginx.conf" -p "$dir") && MPID=$(pidfile_pid "$dir/nginx.pid") ;;
	esac
	[ -n "$MPID" ] || return 1
	pids+=("$MPID")
	wait_port "${PORT[$1]}" || return 1
	# Warm-up, the same for every proxy: rpxd's prefork pool grows to the
	# 256 connections of the largest row before anything is measured.
	[ "$WARMUP" -gt 0 ] && timeout $((WARMUP + 10)) wrk -t 2 -c "${WARMUP_CONNS:-256}" -d ${WARMUP}s "http://127.0.0.1:${PORT[$1]}/small" >/dev/null 2>&1
	if [ $want_tls = 1 ]; then	# also opens the TLS connections to the backend
		wait_port "${TLS_PORT_EC[$1]}" && wait_port "${TLS_PORT_RSA[$1]}" || return 1
		[ "$TLS_WARMUP" -gt 0 ] && timeout $((TLS_WARMUP + 10)) wrk -t 2 -c 50 -d ${TLS_WARMUP}s "https://127.0.0.1:${TLS_PORT_EC[$1]}/small" >/dev/null 2>&1
		# HS_WARMUP: full handshakes on both listeners, so that a key
		# holder has signed with both keys before the handshake rows.
		if [ "$HS_WARMUP" -gt 0 ]; then
			timeout $((HS_WARMUP + 10)) "$dir/tlshs" 127.0.0.1 "${TLS_PORT_EC[$1]}" /small 50 "$HS_WARMUP" "$TLS_SNI" >/dev/null 2>&1
			timeout $((HS_WARMUP + 10)) "$dir/tlshs" 127.0.0.1 "${TLS_PORT_RSA[$1]}" /small 50 "$HS_WARMUP" "$TLS_SNI" >/dev/null 2>&1
		fi
	fi
	sleep 1
}
# Which build of rpxd is running: rpxd-kiw must have no key holder.
keyholders() { local c n=0; for c in $(pgrep -P "$MPID"); do
	[ "$(cat "/proc/$c/comm" 2>/dev/null)" = rpxd-keys ] && n=$((n + 1)); done; echo $n; }
stop_proxy() { stop_pid "$MPID" $(pgrep -P "$MPID"); }
