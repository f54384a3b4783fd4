# Secrets a fleet shares (issue 17): two rpxd instances, on 127.0.0.2 and
# 127.0.0.3, with the same tls-ticket-key-file resume each other's TLS
# sessions, and with the same balance-key-file send every client address
# to the same server of a "source" pool (addresses given by PROXY headers);
# without the files they do neither. rpxctl ticket-key new makes and
# rotates the file.
. "$IT/tls_pki.sh"
FLEET_PIDS=()

# fleet_conf N FILES: instance on 127.0.0.N; FILES=1 names the key files
fleet_conf() {
	cat <<CONF
user = "nobody"
chroot = "$WORK/empty"
pidfile = "$WORK/fleet$1.pid"
control-socket = "$WORK/fleet$1.sock"
min-spare-workers = 2
max-spare-workers = 4
max-workers = 8
CONF
	[ "$2" = 1 ] && cat <<CONF
tls-ticket-key-file = "$WORK/tickets.key"
balance-key-file = "$WORK/balance.key"
CONF
	cat <<CONF
backend "pool" {
	server = { "127.0.0.1:8080", "127.0.0.1:8081" }
	balance = "source"
}
listener "tls" {
	address = "127.0.0.$1"
	port = 443
	tls { certificate "$WORK/pki/lync-rsa.pem" { key = "$WORK/pki/lync-rsa.key" } }
	route "r" { host = { "lyncweb.example.com" } backend = "pool" }
}
listener "lb" {
	address = "127.0.0.$1"
	port = 80
	proxy-protocol = true
	proxy-protocol-from = { "127.0.0.1" }
	route "r" { host = { "lyncweb.example.com" } backend = "pool" }
}
CONF
}

fleet_start() {	# FILES
	local n
	for n in 2 3; do
		fleet_conf $n "$1" > "$WORK/fleet$n.conf"
		"$TOP/rpxd" -d -f "$WORK/fleet$n.conf" -W "$TOP/rpxd-worker" \
		    >>"$WORK/rpxd.log" 2>&1 &
		FLEET_PIDS+=($!)
		EXTRA_PIDS+=($!)
		wait_port "127.0.0.$n" 443 5 || return 1
	done
	sleep 0.5
}

fleet_stop() {
	local p
	for p in "${FLEET_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${FLEET_PIDS[@]}"; do wait "$p" 2>/dev/null; done
	FLEET_PIDS=()
}

# fleet_session N VERSION FILE: save a session made with instance N
fleet_session() {
	printf 'GET / HTTP/1.1\r\nHost: lyncweb.example.com\r\nConnection: close\r\n\r\n' |
	    timeout 10 openssl s_client -connect "127.0.0.$1:443" -ign_eof \
	    -servername lyncweb.example.com "$2" -sess_out "$3" >/dev/null 2>&1
}

# fleet_resumed N VERSION FILE: "Reused" or "New" on instance N
fleet_resumed() {
	echo -n | timeout 10 openssl s_client -connect "127.0.0.$1:443" \
	    -servername lyncweb.example.com "$2" -sess_in "$3" 2>/dev/null |
	    awk '/^(New|Reused),/ { print $1; exit }' | tr -d ,
}

# fleet_servers N: the backend (A or B) of 24 client addresses, via PROXY
fleet_servers() {
	local i out=
	for i in $(seq 1 24); do
		out="$out$(python3 "$IT/proxy_client.py" 80 v1 "198.51.100.$i" \
		    --connect "127.0.0.$1" --host lyncweb.example.com 2>&1 | sed -n 's/.* backend=\([AB]\) .*/\1/p')"
	done
	printf '%s\n' "$out"
}

fleet_tests() {
	local r a b v
	make_pki "$WORK/pki" || { fail "test PKI made"; return; }
	r=$("$TOP/rpxctl" ticket-key new "$WORK/tickets.key")
	expect_match "rpxctl ticket-key new makes the file" "$r" 'tickets\.key: 2 keys \(current, next, 0 previous\)'
	expect "... with mode 600" "$(stat -c %a "$WORK/tickets.key")" 600
	expect "... two keys of base64" "$(grep -c '^[A-Za-z0-9+/]\{107\}=$' "$WORK/tickets.key")" 2
	head -c 32 /dev/urandom > "$WORK/balance.key"
	chmod 600 "$WORK/balance.key"
	fleet_conf 2 1 > "$WORK/fleet-check.conf"
	chmod 640 "$WORK/tickets.key"
	r=$("$TOP/rpxd" -n -f "$WORK/fleet-check.conf" 2>&1)
	expect_match "a ticket key file others may read is refused" "$r" \
	    "fleet-check\.conf: tls-ticket-key-file: .*tickets\.key: group or others may read or write it \(mode 640\)"
	chmod 600 "$WORK/tickets.key"
	cp "$WORK/tickets.key" "$WORK/tickets.good"
	printf 'not a key\n' >> "$WORK/tickets.key"
	r=$("$TOP/rpxd" -n -f "$WORK/fleet-check.conf" 2>&1)
	expect_match "a bad line in the key file is named" "$r" \
	    "tickets\.key:5: not a key \(base64 of 80 bytes"
	cp "$WORK/tickets.good" "$WORK/tickets.key"

	fleet_start 1 || { fail "two instances start with the fleet files"; fleet_stop; return; }
	for v in -tls1_2 -tls1_3; do
		fleet_session 2 $v "$WORK/fleet$v.sess"
		expect "$v: a session made on instance A resumes on instance B (same ticket key file)" \
		    "$(fleet_resumed 3 $v "$WORK/fleet$v.sess")" Reused
	done
	a=$(fleet_servers 2)
	b=$(fleet_servers 3)
	expect_match "source balancing over PROXY addresses uses both servers" "$a" 'A.*B|B.*A'
	expect "... and instance B picks the same server as A for each of 24 clients" "$b" "$a"
	r=$("$TOP/rpxctl" ticket-key new "$WORK/tickets.key")
	expect_match "a rotation keeps the old current key as a previous one" "$r" '3 keys \(current, next, 1 previous\)'
	kill -HUP "${FLEET_PIDS[@]}"
	sleep 1.5
	expect "after the rotation and a reload, the old session still resumes on B" \
	    "$(fleet_resumed 3 -tls1_3 "$WORK/fleet-tls1_3.sess")" Reused
	fleet_session 3 -tls1_3 "$WORK/fleet-rot.sess"
	expect "... and a new one made on B resumes on A" \
	    "$(fleet_resumed 2 -tls1_3 "$WORK/fleet-rot.sess")" Reused
	fleet_stop

	fleet_start 0 || { fail "two instances start without the fleet files"; fleet_stop; return; }
	fleet_session 2 -tls1_3 "$WORK/own.sess"
	expect "without the ticket key file, a session made on A does not resume on B" \
	    "$(fleet_resumed 3 -tls1_3 "$WORK/own.sess")" New
	a=$(fleet_servers 2)
	b=$(fleet_servers 3)
	check "without the balance key file, A and B disagree on some client" test "$a" != "$b"
	fleet_stop
}

fleet_tests
