# Shared helpers for the integration tests: a work directory, the nginx and
# Python backends, starting and stopping the real rpxd, and assertions that
# count what passed and failed. Sourced by run.sh; stops only what it
# started, by PID.

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
IT="$TOP/tests/integration"
WORK=$(mktemp -d /tmp/rpxd-it.XXXXXX)
chmod 755 "$WORK"
PASSED=0
FAILED=0
FAILED_NAMES=()
RPXD_PID=
NGINX_PID=
EXTRA_PIDS=()
# Started by one script and kept for the next ones of the shard (run.sh
# stops the rest of EXTRA_PIDS when each script ends).
SHARED_PIDS=()
SHARED_PORTS=()
RPXD_PORT=80

pass() {
	PASSED=$((PASSED + 1))
	printf 'ok   %s\n' "$1"
}

fail() {
	FAILED=$((FAILED + 1))
	FAILED_NAMES+=("$1")
	printf 'FAIL %s%s\n' "$1" "${2:+: $2}"
}

# check NAME COMMAND...: passes when the command succeeds.
check() {
	local name=$1
	shift
	if "$@"; then pass "$name"; else fail "$name" "command failed: $*"; fi
}

# expect NAME GOT WANT: exact string equality.
expect() {
	if [ "$2" = "$3" ]; then pass "$1"; else
		fail "$1" "got '$2', want '$3'"; fi
}

# expect_match NAME GOT REGEX
expect_match() {
	if [[ $2 =~ $3 ]]; then pass "$1"; else
		fail "$1" "'$2' does not match /$3/"; fi
}

wait_port() {	# host port seconds
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		if (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; then return 0; fi
		sleep 0.1
	done
	return 1
}

# wait_pidfile FILE: a daemon writes its pidfile after its command returns;
# wait up to 5 s for it to hold something.
wait_pidfile() {
	local i
	for ((i = 0; i < 50; i++)); do
		[ -s "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

start_nginx() {
	mkdir -p "$WORK/nginx/logs" "$WORK/nginx/dav" "$WORK/nginx/tmp"
	# nginx's workers run as nobody: they write uploads here
	chmod 777 "$WORK/nginx/dav" "$WORK/nginx/tmp"
	printf 'small\n' > "$WORK/nginx/small.txt"
	head -c 1048576 /dev/urandom > "$WORK/nginx/1m.bin"
	sed "s|@WORK@|$WORK|g" "$IT/nginx.conf.in" > "$WORK/nginx/nginx.conf"
	nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" \
	    -g "pid $WORK/nginx/nginx.pid;" || return 1
	wait_port 127.0.0.1 8080 5 && wait_port 127.0.0.1 8081 5 || return 1
	NGINX_PID=$(cat "$WORK/nginx/nginx.pid")
}

# start_nginx_tls: the TLS backends on 4443..4446 (nginx-tls.conf.in), with
# the test PKI in $WORK/pki (tls_pki.sh); a second nginx, stopped by cleanup.
start_nginx_tls() {
	[ -n "${NGINX_TLS_PID:-}" ] && return 0
	. "$IT/tls_pki.sh"
	make_pki "$WORK/pki" || return 1
	mkdir -p "$WORK/nginx-tls/logs" "$WORK/nginx-tls/tmp"
	chmod 777 "$WORK/nginx-tls/tmp"
	sed -e "s|@WORK@|$WORK|g" -e "s|@PKI@|$WORK/pki|g" \
	    "$IT/nginx-tls.conf.in" > "$WORK/nginx-tls/nginx.conf"
	nginx -c "$WORK/nginx-tls/nginx.conf" -p "$WORK/nginx-tls" \
	    -g "pid $WORK/nginx-tls/nginx.pid;" || return 1
	wait_pidfile "$WORK/nginx-tls/nginx.pid"
	NGINX_TLS_PID=$(cat "$WORK/nginx-tls/nginx.pid") || return 1
	EXTRA_PIDS+=("$NGINX_TLS_PID")
	SHARED_PIDS+=("$NGINX_TLS_PID")
	SHARED_PORTS+=(4443 4444 4445 4446)
	wait_port 127.0.0.1 4443 5 && wait_port 127.0.0.1 4446 5
}

start_python() {	# script port
	python3 "$IT/$1" "$2" >"$WORK/$1.log" 2>&1 &
	EXTRA_PIDS+=($!)
	wait_port 127.0.0.1 "$2" 5
}

# base_conf [MIN-SPARE MAX-SPARE MAX]: the global part every test
# configuration starts with; the pool is 2, 4 and 16 workers by default.
base_conf() {
	cat <<CONF
user = "nobody"
chroot = "$WORK/empty"
pidfile = "$WORK/rpxd.pid"
control-socket = "$WORK/rpxd.sock"
min-spare-workers = ${1:-2}
max-spare-workers = ${2:-4}
max-workers = ${3:-16}
CONF
}

# start_rpxd FILE: run the real daemon in the foreground, logging to a file.
# start_rpxd CONF: RPXD_WRAP, if set, is a command rpxd runs under
# (e.g. "taskset -c 0"; it must exec rpxd, keeping its pid).
start_rpxd() {
	${RPXD_WRAP:-} "$TOP/rpxd" -d -f "$1" -W "$TOP/rpxd-worker" >>"$WORK/rpxd.log" 2>&1 &
	RPXD_PID=$!
	if ! wait_port 127.0.0.1 "$RPXD_PORT" 5; then
		echo "rpxd did not start; log:"; tail -20 "$WORK/rpxd.log"
		return 1
	fi
	wait_workers 2 5
}

stop_rpxd() {
	[ -n "$RPXD_PID" ] || return 0
	kill -TERM "$RPXD_PID" 2>/dev/null
	for _ in $(seq 1 100); do
		kill -0 "$RPXD_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$RPXD_PID" 2>/dev/null
	wait "$RPXD_PID" 2>/dev/null
	RPXD_PID=
}

# The worker processes, which the templates (one per generation, named
# rpxd-template) fork and name rpxd-worker; those of a stopped template
# are the master's own children. Not the health checker or key holders.
templates() { pgrep -P "$RPXD_PID" -x rpxd-template | sort -n; }
workers() {
	local t
	t=$(pgrep -d, -P "$RPXD_PID" -x rpxd-template)
	pgrep -P "$RPXD_PID${t:+,$t}" -x rpxd-worker | sort -n
}

# new_template OLD S: the one template other than OLD, seen twice 0.3 s
# apart within S seconds. A worker that a dying template had just forked
# still bears the template's name until it renames itself, and is the
# master's child once its template is gone: a single look can see it.
new_template() {
	local i a b
	for ((i = 0; i < $2 * 10; i++)); do
		a=$(templates)
		if [ -n "$a" ] && [ "$a" != "$1" ] && [ "$(echo "$a" | wc -l)" = 1 ]; then
			sleep 0.3
			b=$(templates)
			[ "$a" = "$b" ] && { echo "$a"; return 0; }
		fi
		sleep 0.1
	done
	return 1
}

# winbind_prereqs SCRIPT WHAT TOOL...: 0 when the tools, rpxd-winbind
# (built with libwbclient-dev) and winbind's group are there; else a
# failure under CI=true (CI installs them all), a SKIP line outside it.
winbind_prereqs() {
	local script=$1 what=$2 why= t
	shift 2
	for t in "$@"; do
		command -v "$t" >/dev/null || why="$why $t"
	done
	[ -x "$TOP/rpxd-winbind" ] || why="$why rpxd-winbind (libwbclient-dev)"
	getent group winbindd_priv >/dev/null || why="$why group winbindd_priv (winbind)"
	[ -z "$why" ] && return 0
	if [ "${CI:-}" = true ]; then
		fail "$what prerequisites installed" \
		    "missing$why: tests/install-deps.sh installs them"
	else
		echo "SKIP $script: missing$why; tests/install-deps.sh installs them"
	fi
	return 1
}

wait_workers() {	# at least N workers within S seconds
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		[ "$(workers | wc -l)" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

log_has() { grep -q -- "$1" "$WORK/rpxd.log"; }

# get URL [curl options]: the body, or "HTTP=<code>" when curl fails.
status_of() {
	curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$@"
}

cleanup() {
	stop_rpxd
	[ -n "$NGINX_PID" ] && kill -TERM "$NGINX_PID" 2>/dev/null
	local ns
	ns=$(readlink /proc/self/ns/net)
	# Only what still lives in this network namespace: a pid of ours
	# that ended long ago may be another's now.
	for p in "${EXTRA_PIDS[@]}"; do
		[ "$(readlink "/proc/$p/ns/net" 2>/dev/null)" = "$ns" ] &&
		    kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	# Daemons that are not the shell's children (an apache2 that forked
	# itself away) are not waited for by wait: up to 10 s each here.
	for p in "${EXTRA_PIDS[@]}"; do
		for _ in $(seq 1 100); do
			[ "$(readlink "/proc/$p/ns/net" 2>/dev/null)" = "$ns" ] ||
			    break
			sleep 0.1
		done
	done
	if [ "$FAILED" -gt 0 ]; then
		echo "--- rpxd log (last 40 lines), kept in $WORK"
		tail -40 "$WORK/rpxd.log" 2>/dev/null
	else
		rm -rf "$WORK"
	fi
}
