# TLS session-ticket keys over time: with tls-ticket-rotation = 60 the
# master makes a new key after a minute; a ticket issued before still
# resumes (the previous key decrypts it, on old and new workers alike) and
# is renewed, and every worker of the pool shares the keys.
start_nginx_tls || fail "nginx TLS backends start on 4443..4446"
P=$WORK/pki
MARK64=$(wc -l < "$WORK/rpxd.log" 2>/dev/null || echo 0)

rot_conf() {
	base_conf
	cat <<CONF
log-level = "verbose"
tls-ticket-rotation = 60
backend "siteA" { server = { "127.0.0.1:8080" } }
listener "http" {
	address = "127.0.0.1"
	port = 80
	route "a" { backend = "siteA" }
}
listener "https" {
	address = "127.0.0.1"
	port = 443
	tls {
		certificate "$P/owa.pem" { key = "$P/owa.key" }
	}
	route "a" { backend = "siteA" }
}
CONF
}

# resumed VERSION SESSFILE: "Reused" or "New" for one connection.
resumed() {
	echo -n | timeout 10 openssl s_client -connect 127.0.0.1:443 \
	    -servername owa.example.com "$1" -sess_in "$2" 2>/dev/null |
	    awk '/^(New|Reused),/ { print $1; exit }' | tr -d ,
}

# resumed_of6 VERSION: how many of six connections resume the saved session
resumed_of6() {
	local ok=0
	for _ in 1 2 3 4 5 6; do
		[ "$(resumed "$1" "$WORK/rot$1.sess")" = Reused ] && ok=$((ok + 1))
	done
	echo "$ok"
}

# save_session VERSION FILE: one request, so that s_client stays until the
# response and has read the ticket (TLS 1.3 sends it after the handshake).
save_session() {
	printf 'GET / HTTP/1.1\r\nHost: owa.example.com\r\nConnection: close\r\n\r\n' |
	    timeout 10 openssl s_client -connect 127.0.0.1:443 -ign_eof \
	    -servername owa.example.com "$1" -sess_out "$2" >/dev/null 2>&1
}

rot_conf > "$WORK/rot.conf"
start_rpxd "$WORK/rot.conf" || fail "rpxd starts with tls-ticket-rotation = 60"
for v in -tls1_2 -tls1_3; do
	save_session $v "$WORK/rot$v.sess"
	expect "$v: six connections over the pool all resume" \
	    "$(resumed_of6 $v)" 6
done
# Start a new worker after the rotation too: kill one, the master
# replaces it, and it must know both keys.
sleep 62
victim=$(workers | head -1)
kill -TERM "$victim" 2>/dev/null
sleep 2
for v in -tls1_2 -tls1_3; do
	expect "$v: a ticket from before the rotation still resumes" \
	    "$(resumed_of6 $v)" 6
done
if tail -n "+$((MARK64 + 1))" "$WORK/rpxd.log" | grep -q "tickets: new session-ticket key"; then
	pass "the rotation is logged"
else
	fail "the rotation is logged"
fi
# A client without a ticket gets a full handshake and a ticket.
save_session -tls1_3 "$WORK/rot-new.sess"
expect "a new ticket after the rotation resumes" \
    "$(resumed -tls1_3 "$WORK/rot-new.sess")" Reused
