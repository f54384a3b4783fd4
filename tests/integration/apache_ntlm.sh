# A real NTLM backend for the integration tests: a private Apache httpd
# (Debian apache2) with mod_auth_gssapi and the gss-ntlmssp mechanism,
# users from an NTLM_USER_FILE. Sourced by the tests after lib.sh; every
# instance lives under $WORK/apache-NAME, listens on 127.0.0.1 only, and is
# stopped by cleanup through EXTRA_PIDS (or earlier by stop_apache_ntlm).
#
#   start_apache_ntlm NAME PORT [tls]   start one instance
#   stop_apache_ntlm NAME               stop it (TERM to its PID, waits)
#
# What each instance serves:
#   /whoami   AuthType GSSAPI, NTLM only, connection-bound: a CGI that
#             prints "user=<REMOTE_USER> server=NAME conn=<addr>:<port>
#             pid=<httpd child>"; conn is the TCP connection the request
#             came on (as seen by the backend)
#   /anon     no authentication: the same line with user=- and
#             auth=<the Authorization header as received, or ->
#   /health   a static file
# logs/access.log has one line per request with the Authorization header.
#
# Users, domain RPXTEST: alice and bob with the passwords below. The user
# file is gss-ntlmssp's Heimdal format, DOMAIN:user:password per line.

NTLM_DOMAIN=RPXTEST
NTLM_ALICE_PW='Alice-pw-7'
NTLM_BOB_PW='Bob-pw-8'
APACHE_BIN=${APACHE_BIN:-/usr/sbin/apache2}
APACHE_MODULES=${APACHE_MODULES:-/usr/lib/apache2/modules}
declare -gA APACHE_NTLM_PIDS=()

# The Python that has requests_ntlm: the Debian one when a python3 earlier
# in PATH (pyenv, a venv) lacks it.
NTLM_PY=${NTLM_PY:-}
if [ -z "$NTLM_PY" ]; then
	for NTLM_PY in python3 /usr/bin/python3; do
		"$NTLM_PY" -c 'import requests_ntlm' 2>/dev/null && break
	done
fi

apache_ntlm_users() {	# FILE
	printf '%s:alice:%s\n%s:bob:%s\n' "$NTLM_DOMAIN" "$NTLM_ALICE_PW" \
	    "$NTLM_DOMAIN" "$NTLM_BOB_PW" > "$1"
	chmod 644 "$1"	# read by httpd's children (nobody)
}

# apache_ntlm_conf DIR NAME PORT TLS: the whole httpd configuration.
apache_ntlm_conf() {
	local d=$1 m=$APACHE_MODULES
	cat <<CONF
ServerRoot "$d"
ServerName 127.0.0.1
Listen 127.0.0.1:$3
PidFile "$d/run/httpd.pid"
DefaultRuntimeDir "$d/run"
ErrorLog "$d/logs/error.log"
LogLevel warn
User nobody
Group nogroup
LoadModule mpm_prefork_module $m/mod_mpm_prefork.so
LoadModule authn_core_module $m/mod_authn_core.so
LoadModule authz_core_module $m/mod_authz_core.so
LoadModule authz_user_module $m/mod_authz_user.so
LoadModule auth_gssapi_module $m/mod_auth_gssapi.so
LoadModule headers_module $m/mod_headers.so
LoadModule alias_module $m/mod_alias.so
LoadModule cgi_module $m/mod_cgi.so
StartServers 4
MinSpareServers 4
MaxSpareServers 16
MaxRequestWorkers 64
# keep-alive without a request limit: one authenticated connection must
# last for a whole test
KeepAlive On
MaxKeepAliveRequests 0
KeepAliveTimeout 30
Timeout 30
DocumentRoot "$d/htdocs"
<Directory />
	Require all denied
</Directory>
<Directory "$d/htdocs">
	Require all granted
</Directory>
ScriptAlias /whoami "$d/cgi/whoami"
ScriptAlias /anon "$d/cgi/anon"
<Directory "$d/cgi">
	Options +ExecCGI
	Require all granted
</Directory>
<Location /whoami>
	AuthType GSSAPI
	AuthName "rpxd NTLM test"
	GssapiAllowedMech ntlmssp
	GssapiConnectionBound On
	Require valid-user
</Location>
<Location /anon>
	# the CGI may see the Authorization header (httpd hides it otherwise)
	CGIPassAuth On
	Require all granted
</Location>
Header always set X-Backend "$2"
# curl's NTLM against gss-ntlmssp 1.2 needs two mends of curl's NEGOTIATE
# message (flags 0x00088206, 32 bytes), made before authentication runs
# ("early"): gss-ntlmssp refuses a NEGOTIATE shorter than 40 bytes
# (ERR_DECODE), but curl leaves out the optional version field, so it is
# padded with 8 zero bytes; and when the client asks for ALWAYS_SIGN,
# gss-ntlmssp adds NEGOTIATE_VERSION to the agreed flags and then expects
# a version field in the AUTHENTICATE message, which curl never sends
# (ERR_DECODE again), so that flag is cleared ("BoII" -> "BgII": 0x8206 ->
# 0x0206). Neither changes the identity or the password check; curl sends
# no MIC over the NEGOTIATE message. requests-ntlm's messages pass as sent.
# /anon and the access log see curl's NEGOTIATE as mended here.
RequestHeader edit Authorization "^NTLM TlRMTVNTUAABAAAABoII([A-Za-z0-9+/]{23})=\$" "NTLM TlRMTVNTUAABAAAABgII\$1AAAAAAAAAAA==" early
LogFormat "%h:%{remote}p \"%r\" %>s user=%u auth=\"%{Authorization}i\"" ntlmtest
CustomLog "$d/logs/access.log" ntlmtest
CONF
	[ "$4" = tls ] || return 0
	cat <<CONF
LoadModule socache_shmcb_module $m/mod_socache_shmcb.so
LoadModule ssl_module $m/mod_ssl.so
SSLSessionCache "shmcb:$d/run/ssl_scache(512000)"
SSLEngine on
SSLCertificateFile "$WORK/pki/fe01.pem"
SSLCertificateKeyFile "$WORK/pki/fe01.key"
CONF
}

apache_ntlm_cgi() {	# DIR NAME
	cat > "$1/cgi/whoami" <<CGI
#!/bin/sh
printf 'Content-Type: text/plain\r\n\r\n'
printf 'user=%s server=%s conn=%s:%s pid=%s\n' "\${REMOTE_USER:--}" '$2' \\
    "\$REMOTE_ADDR" "\$REMOTE_PORT" "\$PPID"
CGI
	cat > "$1/cgi/anon" <<CGI
#!/bin/sh
printf 'Content-Type: text/plain\r\n\r\n'
printf 'user=- server=%s conn=%s:%s pid=%s auth=%s\n' '$2' "\$REMOTE_ADDR" \\
    "\$REMOTE_PORT" "\$PPID" "\${HTTP_AUTHORIZATION:--}"
CGI
	chmod 755 "$1/cgi/whoami" "$1/cgi/anon"
	printf 'ok %s\n' "$2" > "$1/htdocs/health"
}

start_apache_ntlm() {	# NAME PORT [tls]
	local n=$1 port=$2 tls=${3:-} d="$WORK/apache-$1" pid
	[ -n "${APACHE_NTLM_PIDS[$n]:-}" ] && return 0
	if [ "$tls" = tls ]; then
		. "$IT/tls_pki.sh"
		make_pki "$WORK/pki" || return 1
	fi
	mkdir -p "$d/logs" "$d/run" "$d/htdocs" "$d/cgi" || return 1
	chmod 755 "$d" "$d/htdocs" "$d/cgi"
	# GSSNTLMSSP_DEBUG_LOG=1: gss-ntlmssp traces, written by the children
	[ -n "${GSSNTLMSSP_DEBUG_LOG:-}" ] && chmod 777 "$d/logs"
	[ -s "$WORK/ntlm-users" ] || apache_ntlm_users "$WORK/ntlm-users"
	apache_ntlm_conf "$d" "$n" "$port" "$tls" > "$d/httpd.conf"
	apache_ntlm_cgi "$d" "$n"
	rm -f "$d/run/httpd.pid"
	# NTLM_USER_FILE and the NetBIOS names are read by gss-ntlmssp inside
	# httpd, so they go in httpd's own environment. httpd detaches into
	# its own session: in the foreground it would share the tests'
	# process group, and prefork stops its children with killpg.
	local env=(NTLM_USER_FILE="$WORK/ntlm-users"
	    NETBIOS_DOMAIN_NAME="$NTLM_DOMAIN"
	    NETBIOS_COMPUTER_NAME="APACHE-${n^^}")
	[ -n "${GSSNTLMSSP_DEBUG_LOG:-}" ] &&
	    env+=(GSSNTLMSSP_DEBUG="$d/logs/gssntlmssp.log")
	env "${env[@]}" "$APACHE_BIN" -f "$d/httpd.conf" \
	    >>"$d/logs/stderr.log" 2>&1
	for _ in $(seq 1 100); do
		[ -s "$d/run/httpd.pid" ] &&
		    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
		sleep 0.1
	done
	pid=$(cat "$d/run/httpd.pid" 2>/dev/null)
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		APACHE_NTLM_PIDS[$n]=$pid
		EXTRA_PIDS+=("$pid")
		SHARED_PIDS+=("$pid")
		SHARED_PORTS+=("$port")
	fi
	if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
		echo "apache $n did not start on 127.0.0.1:$port:"
		cat "$d/logs/stderr.log" "$d/logs/error.log" 2>/dev/null | tail -5
		stop_apache_ntlm "$n"
		return 1
	fi
}

# stop_apache_ntlm NAME: TERM to the parent (it stops its children), wait
# until it is gone, and forget its PID so cleanup does not signal it again.
stop_apache_ntlm() {
	local pid=${APACHE_NTLM_PIDS[$1]:-} p keep=()
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	for _ in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	unset "APACHE_NTLM_PIDS[$1]"
	for p in "${EXTRA_PIDS[@]}"; do [ "$p" = "$pid" ] || keep+=("$p"); done
	EXTRA_PIDS=("${keep[@]}")
}
