# A fleet behind a real layer-4 balancer (issue 17): HAProxy in mode tcp
# with send-proxy-v2 and health checks on 127.0.0.1:9443, in front of two
# rpxd instances (127.0.0.2 and 127.0.0.3, each with its own log) that
# share a tls-ticket-key-file and a balance-key-file, with nginx A and B
# and Apache httpd (NTLM) behind them. Clients connect from 127.0.0.5 and
# .6 so that the address the backends see is not the balancer's.
. "$IT/tls_pki.sh"
. "$IT/apache_ntlm.sh"
FLT_PIDS=()
FLT_HAPROXY=

flt_conf() {	# N: the instance on 127.0.0.N
	cat <<CONF
user = "nobody"
chroot = "$WORK/empty"
pidfile = "$WORK/flt$1.pid"
control-socket = "$WORK/flt$1.sock"
min-spare-workers = 2
max-spare-workers = 4
max-workers = 16
tls-ticket-key-file = "$WORK/flt-tickets.key"
balance-key-file = "$WORK/flt-balance.key"
backend "pool" {
	server = { "127.0.0.1:8080", "127.0.0.1:8081" }
	balance = "source"
}
backend "ntlm" { server = { "127.0.0.1:8091" } }
backend "one" { server = { "127.0.0.1:8080" } }
listener "tls" {
	address = "127.0.0.$1"
	port = 443
	proxy-protocol = true
	proxy-protocol-from = { "127.0.0.1" }
	tls { certificate "$WORK/pki/lync-rsa.pem" { key = "$WORK/pki/lync-rsa.key" } }
	route "web" { host = { "lyncweb.example.com" } backend = "pool" }
	route "ntlm" { host = { "meet.example.com" } backend = "ntlm" }
	route "one" { host = { "dialin.example.com" } backend = "one" }
}
CONF
}

flt_haproxy_conf() {
	cat <<CONF
global
	maxconn 1000
	pidfile $WORK/flt-haproxy.pid
defaults
	mode tcp
	timeout connect 2s
	timeout client 30s
	timeout server 30s
frontend fleet
	bind 127.0.0.1:9443
	default_backend rpxd
backend rpxd
	balance roundrobin
	server a 127.0.0.2:443 send-proxy-v2 check inter 300ms fall 2 rise 2
	server b 127.0.0.3:443 send-proxy-v2 check inter 300ms fall 2 rise 2
CONF
}

flt_start() {
	local n
	for n in 2 3; do
		flt_conf $n > "$WORK/flt$n.conf"
		"$TOP/rpxd" -d -f "$WORK/flt$n.conf" -W "$TOP/rpxd-worker" \
		    >>"$WORK/flt$n.log" 2>&1 &
		FLT_PIDS[$n]=$!
		EXTRA_PIDS+=($!)
		wait_port "127.0.0.$n" 443 5 || return 1
	done
	flt_haproxy_conf > "$WORK/flt-haproxy.cfg"
	haproxy -f "$WORK/flt-haproxy.cfg" -db >>"$WORK/flt-haproxy.log" 2>&1 &
	FLT_HAPROXY=$!
	EXTRA_PIDS+=($!)
	wait_port 127.0.0.1 9443 5 && sleep 1
}

# flt_get SOURCE HOST PATH [curl options]: the body through the balancer
flt_get() {
	local src=$1 host=$2 path=$3
	shift 3
	curl -s --max-time 10 --interface "$src" --cacert "$WORK/pki/ca.pem" \
	    --resolve "$host:9443:127.0.0.1" "$@" "https://$host:9443$path"
}

# flt_on PATH: which instance logged the request for PATH (2, 3 or none)
flt_on() {
	local n
	for n in 2 3; do
		grep -q -- " path=$1 " "$WORK/flt$n.log" && { echo "$n"; return; }
	done
	echo none
}

flt_session() {	# SESSFILE PATH: a session made through the balancer
	printf 'GET %s HTTP/1.1\r\nHost: lyncweb.example.com\r\nConnection: close\r\n\r\n' "$2" |
	    timeout 10 openssl s_client -connect 127.0.0.1:9443 -ign_eof \
	    -servername lyncweb.example.com -sess_out "$1" >/dev/null 2>&1
}

flt_resume() {	# SESSFILE PATH: "Reused" or "New", with a request for PATH
	printf 'GET %s HTTP/1.1\r\nHost: lyncweb.example.com\r\nConnection: close\r\n\r\n' "$2" |
	    timeout 10 openssl s_client -connect 127.0.0.1:9443 -ign_eof \
	    -servername lyncweb.example.com -sess_in "$1" 2>/dev/null |
	    awk '/^(New|Reused),/ { print $1; exit }' | tr -d ,
}

flt_tests() {
	local r i a b on first other got fails
	command -v haproxy >/dev/null ||
	    { fail "haproxy installed" "run tests/install-deps.sh"; return; }
	make_pki "$WORK/pki" || { fail "test PKI made"; return; }
	start_apache_ntlm a1 8091 || { fail "Apache NTLM backend starts"; return; }
	"$TOP/rpxctl" ticket-key new "$WORK/flt-tickets.key" >/dev/null
	head -c 32 /dev/urandom > "$WORK/flt-balance.key"
	chmod 600 "$WORK/flt-balance.key"
	flt_start || { fail "HAProxy and two rpxd instances start"; return; }

	r=$(flt_get 127.0.0.5 dialin.example.com /flt-addr)
	expect_match "through HAProxy (send-proxy-v2): the backend sees the client's address" \
	    "$r" '^backend=A .* xff=127\.0\.0\.5 xfp=https '
	on=$(flt_on /flt-addr)
	check "... and the instance's access line has it as the client, the balancer beside it" \
	    grep -q 'access client=127\.0\.0\.5:[0-9]* .* path=/flt-addr .* lb=127\.0\.0\.1:[0-9]* reused=[a-z-]* user=[^ ]*$' "$WORK/flt$on.log"

	# A session made through one instance resumes through the other.
	flt_session "$WORK/flt.sess" /flt-sess-0
	first=$(flt_on /flt-sess-0)
	got=
	for i in 1 2 3 4; do
		r=$(flt_resume "$WORK/flt.sess" "/flt-sess-$i")
		if [ "$(flt_on "/flt-sess-$i")" != "$first" ] &&
		    [ "$(flt_on "/flt-sess-$i")" != none ]; then
			got=$r
			break
		fi
	done
	expect "a TLS session made through instance $first resumes through the other" "$got" Reused

	# source balancing: one client, one server, whichever instance.
	a=$(for i in $(seq 1 8); do flt_get 127.0.0.5 lyncweb.example.com "/flt-src-a$i"; done |
	    sed 's/^backend=\([AB]\) .*/\1/' | sort -u | tr '\n' ' ')
	b=$(for i in $(seq 1 8); do flt_get 127.0.0.6 lyncweb.example.com "/flt-src-b$i"; done |
	    sed 's/^backend=\([AB]\) .*/\1/' | sort -u | tr '\n' ' ')
	expect "source balancing: 8 requests of 127.0.0.5 over both instances get one server" \
	    "$(echo "$a" | wc -w)" 1
	expect "... and so do 8 of 127.0.0.6" "$(echo "$b" | wc -w)" 1
	check "... the requests did go through both instances" \
	    test "$(grep -c ' path=/flt-src-' "$WORK/flt2.log")" -gt 0 -a \
	    "$(grep -c ' path=/flt-src-' "$WORK/flt3.log")" -gt 0

	# NTLM: HAProxy keeps the TCP connection on one instance.
	r=$(flt_get 127.0.0.5 meet.example.com /whoami --ntlm -u "RPXTEST\\alice:$NTLM_ALICE_PW" -w ' %{http_code}')
	expect_match "curl --ntlm through the balancer logs in as alice" "$r" '^user=RPXTEST\\alice server=a1 .* 200$'
	check "... on a pinned connection" \
	    bash -c "grep -h ' path=/whoami ' '$WORK/flt2.log' '$WORK/flt3.log' | grep -q 'auth=ntlm3/- pin=yes'"

	# One instance stops: the balancer's checks move everything to the other.
	kill -TERM "${FLT_PIDS[2]}"
	wait "${FLT_PIDS[2]}" 2>/dev/null
	sleep 1.5
	fails=0
	for i in $(seq 1 20); do
		r=$(flt_get 127.0.0.5 lyncweb.example.com "/flt-after-$i" -o /dev/null -w '%{http_code}')
		[ "$r" = 200 ] || fails=$((fails + 1))
	done
	expect "instance A stopped: 20 requests after the switch, none failed" "$fails" 0
	expect "... all served by instance B" "$(grep -c ' path=/flt-after-' "$WORK/flt3.log")" 20
	kill -TERM "${FLT_PIDS[3]}" "$FLT_HAPROXY" 2>/dev/null
	wait "${FLT_PIDS[3]}" "$FLT_HAPROXY" 2>/dev/null
	stop_apache_ntlm a1
	check "no sanitizer report in the two instances' logs" bash -c \
	    "! grep -q -e Sanitizer -e 'runtime error:' '$WORK/flt2.log' '$WORK/flt3.log'"
}

flt_tests
