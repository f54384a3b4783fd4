#!/usr/bin/env bash
# What a login costs with ntlm-source = "winbind" (issue 18): a Samba AD
# domain controller provisioned in a temporary directory and started on
# loopback (in a mount namespace of its own, with a tmpfs on /run/samba
# for winbind's socket, as in tests/integration/t_73_ad_ntlm.sh), rpxd
# with auth = "ntlm" in front of one nginx, and bench/ad_logins.py
# logging in as CORP\alice, every login a new connection. The same rpxd
# with ntlm-source = "file" (alice's NT hash in ntlm-users) gives the
# baseline, so the difference of the p50s is what the domain adds to one
# login. Rows: CLIENTS concurrent clients for SECONDS each (1 and 8 by
# default), for file, and for winbind with 2 and 4 domain checkers; with
# winbind, also Kerberos logins (negotiate-keytab): curl --negotiate with
# alice's ticket, KRB_URLS requests per client, each on a new connection.
#
# As root, in a private network namespace (fixed ports 80 and 18080):
#   unshare -n bash -c 'ip link set lo up; bash bench/ad_logins.sh'
# Everything it starts is stopped by PID on exit.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
SECONDS_EACH=${SECONDS_EACH:-5}
CLIENT_ROWS=${CLIENT_ROWS:-"1 8"}
PY=/usr/bin/python3
W=$(mktemp -d /tmp/rpxd-adbench.XXXXXX)
chmod 755 "$W"
PASS='Al1ce-Pass!x'
SAMBA=
NGINX=
RPXD=

descendants() {
	local c
	for c in $(pgrep -P "$1"); do echo "$c"; descendants "$c"; done
}
stop_pid() {	# pid: TERM, then KILL after 5 s
	[ -n "$1" ] || return 0
	kill -TERM "$1" 2>/dev/null
	for _ in $(seq 1 50); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}
cleanup() {
	local p pids=
	stop_pid "$RPXD"
	[ -n "$SAMBA" ] && pids="$SAMBA $(descendants "$SAMBA")"
	for p in $pids; do kill -TERM "$p" 2>/dev/null; done
	sleep 0.5
	for p in $pids; do kill -KILL "$p" 2>/dev/null; done
	[ -n "$NGINX" ] && kill -TERM "$NGINX" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT INT TERM

[ -x "$TOP/rpxd-winbind" ] || { echo "no rpxd-winbind: make (libwbclient-dev)"; exit 1; }
samba-tool domain provision --targetdir="$W/dc" --realm=CORP.RPXD.TEST \
    --domain=CORP --server-role=dc --dns-backend=SAMBA_INTERNAL \
    --option="interfaces=lo" --option="bind interfaces only=yes" \
    --option="server services=rpc winbindd kdc" \
    --option="log file=$W/dc/log.%m" \
    --adminpass='Adm1n-Pass!x' >"$W/provision.log" 2>&1 ||
    { tail -3 "$W/provision.log"; exit 1; }
mkdir -p /run/samba
unshare -m --propagation private sh -c "mount -t tmpfs -o mode=755 rpxd-adbench \
    /run/samba && exec samba -s '$W/dc/etc/smb.conf' --foreground \
    --no-process-group --debug-stdout -d 0" >"$W/samba.log" 2>&1 &
SAMBA=$!
for _ in $(seq 1 100); do
	nsenter -t "$SAMBA" -m test -S /run/samba/winbindd/pipe 2>/dev/null &&
	    [ -d "$W/dc/state/winbindd_privileged" ] && break
	sleep 0.1
done
chgrp winbindd_priv "$W/dc/state/winbindd_privileged"
samba-tool user create alice "$PASS" -s "$W/dc/etc/smb.conf" >/dev/null
# Kerberos: rpxd's service principal and keytab, and alice's ticket.
samba-tool user create httpsvc 'Http-Svc-Pass!1' -s "$W/dc/etc/smb.conf" >/dev/null
samba-tool spn add HTTP/rpxd.corp.rpxd.test httpsvc -s "$W/dc/etc/smb.conf"
samba-tool domain exportkeytab "$W/http.keytab" \
    --principal=HTTP/rpxd.corp.rpxd.test -s "$W/dc/etc/smb.conf" >/dev/null
chmod 600 "$W/http.keytab"
printf '[libdefaults]\n\tdefault_realm = CORP.RPXD.TEST\n\tdns_lookup_kdc = false\n\trdns = false\n[realms]\n\tCORP.RPXD.TEST = {\n\t\tkdc = 127.0.0.1\n\t}\n' \
    > "$W/krb5.conf"
export KRB5_CONFIG=$W/krb5.conf KRB5CCNAME=FILE:$W/alice.cc
echo "$PASS" | kinit alice@CORP.RPXD.TEST >/dev/null

mkdir -p "$W/nginx/logs"
cat > "$W/nginx/nginx.conf" <<CONF
worker_processes 1;
events { worker_connections 1024; }
http {
	access_log off;
	server {
		listen 127.0.0.1:18080;
		location / { return 200 "user=\$http_x_authenticated_user\n"; }
	}
}
CONF
nginx -c "$W/nginx/nginx.conf" -p "$W/nginx" -g "pid $W/nginx/nginx.pid;"
sleep 0.5
NGINX=$(cat "$W/nginx/nginx.pid")

printf 'alice:CORP:%s\n' "$(printf '%s' "$PASS" | iconv -t UTF-16LE |
    openssl dgst -md4 -provider legacy -provider default | sed 's/.*= //')" \
    > "$W/users"
chmod 600 "$W/users"

conf() {	# source checkers
	cat <<CONF
user = "nobody"
chroot = "$W/empty"
pidfile = "$W/rpxd.pid"
control-socket = "$W/rpxd.sock"
min-spare-workers = 16
max-spare-workers = 32
max-workers = 64
ntlm-source = "$1"
ntlm-users = "$W/users"
ntlm-domain = "CORP"
$([ "$1" = winbind ] && echo "negotiate-keytab = \"$W/http.keytab\"")
winbind-checkers = $2
auth-failure-limit = 0
backend "b" { server = { "127.0.0.1:18080" } }
listener "http" {
	address = "127.0.0.1"
	port = 80
	route "ntlm" {
		host = { "ntlm.example.com", "rpxd.corp.rpxd.test" }
		backend = "b"
		auth = "ntlm"
		access-log = false
	}
}
CONF
}

# CPU seconds (user + system) of the processes listed.
cpu_of() {
	local p t=0 v
	for p in "$@"; do
		v=$(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null) || continue
		t=$((t + v))
	done
	echo "$t"
}
secs() { awk -v a="$1" -v b="$2" -v hz="$3" 'BEGIN{printf "%.2f", (a - b) / hz}'; }
samba_cpu() { cpu_of "$SAMBA" $(descendants "$SAMBA"); }
checkers_cpu() { cpu_of $(pgrep -P "$RPXD" -x rpxd-winbind); }

row() {	# source checkers
	local n out s0 c0 m0 hz
	hz=$(getconf CLK_TCK)
	conf "$1" "$2" > "$W/rpxd.conf"
	nsenter -t "$SAMBA" -m -- "$TOP/rpxd" -d -f "$W/rpxd.conf" \
	    -W "$TOP/rpxd-worker" >>"$W/rpxd.log" 2>&1 &
	RPXD=$!
	sleep 2
	for n in $CLIENT_ROWS; do
		s0=$(samba_cpu) c0=$(checkers_cpu) m0=$(cpu_of "$RPXD")
		out=$("$PY" "$TOP/bench/ad_logins.py" http://127.0.0.1/ \
		    ntlm.example.com 'CORP\alice' "$PASS" "$n" "$SECONDS_EACH")
		printf '%-8s checkers=%s clients=%-3s %s cpu_s: dc+winbind=%s checkers=%s master=%s\n' \
		    "$1" "$2" "$n" "$out" \
		    "$(secs "$(samba_cpu)" "$s0" "$hz")" \
		    "$(secs "$(checkers_cpu)" "$c0" "$hz")" \
		    "$(secs "$(cpu_of "$RPXD")" "$m0" "$hz")"
	done
	[ "$1" = winbind ] && kerberos_rows "$2"
	stop_pid "$RPXD"
	RPXD=
}

# Kerberos logins: curl --negotiate with alice's ticket, each request on
# a new connection (Connection: close), so each is a 401 and a ticket;
# KRB_URLS requests per curl, CLIENTS curls at once.
kerberos_rows() {	# checkers
	local n i t0 t1 urls=() out pids
	for ((i = 0; i < ${KRB_URLS:-200}; i++)); do
		urls+=(http://rpxd.corp.rpxd.test/)
	done
	for n in $CLIENT_ROWS; do
		t0=$(date +%s%N)
		pids=()
		for ((i = 0; i < n; i++)); do
			curl -s --negotiate -u : -H 'Connection: close' \
			    --resolve rpxd.corp.rpxd.test:80:127.0.0.1 \
			    -o /dev/null -w '%{http_code} %{time_total}\n' \
			    "${urls[@]}" > "$W/krb.$i" &
			pids+=($!)
		done
		wait "${pids[@]}"
		t1=$(date +%s%N)
		# curl writes a line for the 401 and one for the answer
		# to the ticket: the latter's time is the login's.
		out=$(cat "$W"/krb.* | grep '^200 ' | sort -k2,2n |
		    awk -v ms=$(((t1 - t0) / 1000000)) -v want=$((n * ${KRB_URLS:-200})) '
		    { n++; t[n] = $2 * 1000 }
		    END { printf "logins=%d ok=%d per_s=%.0f ticket_p50_ms=%.2f ticket_p90_ms=%.2f",
		        want, n, n * 1000 / ms, t[int((n + 1) / 2)], t[int(n * 0.9)] }')
		printf '%-8s checkers=%s clients=%-3s %s\n' kerberos "$1" "$n" "$out"
		rm -f "$W"/krb.*
	done
}

nsenter -t "$SAMBA" -m ntlm_auth --configfile="$W/dc/etc/smb.conf" \
    --username=alice --password="$PASS" --domain=CORP >/dev/null ||
    { echo "the DC does not answer"; exit 1; }
row file 2
row winbind 2
row winbind 4
