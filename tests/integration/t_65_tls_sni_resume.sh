# TLS session resumption is bound to the SNI name (RFC 6066 section 3,
# issue 16 item 2): a session saved under one name resumes under that name
# (in any case), and offered under another name, or none, gets a full
# handshake with that name's certificate; a request for the new name is
# then served, and a request for a name the connection's certificate does
# not cover still gets 421. TLS 1.2 and 1.3, with openssl s_client
# -sess_out / -sess_in against the real daemon. Then rpxd -n on TLS
# mistakes that must be reported at their own line. Takes about 5 s.
start_nginx_tls || fail "nginx TLS backends start on 4443..4446"
P=$WORK/pki

sni_conf() {
	base_conf
	cat <<CONF
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
		certificate "$P/lync-rsa.pem" { key = "$P/lync-rsa.key" }
		certificate "$P/owa.pem" { key = "$P/owa.key" }
	}
	route "lync" { host = { "lyncweb.example.com" } backend = "siteA" }
	route "owa" { host = { "owa.example.com" } backend = "siteA" }
}
CONF
}

# sni_req VERSION SNI|- HOST [s_client options]: one request; prints
# "New|Reused CN STATUS BODY-HOST", CN being the certificate's subject CN
# (none on a TLS 1.2 resumption, which shows no certificate)
sni_req() {
	local v=$1 sn=$2 host=$3 out cn
	shift 3
	if [ "$sn" = - ]; then set -- -noservername "$@"
	else set -- -servername "$sn" "$@"; fi
	out=$(printf 'GET /sni HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' "$host" |
	    timeout 10 openssl s_client -connect 127.0.0.1:443 "$v" "$@" \
	    -ign_eof 2>/dev/null)
	cn=$(printf '%s\n' "$out" | sed -n '/-BEGIN CERT/,/-END CERT/p' |
	    openssl x509 -noout -subject -nameopt RFC2253 2>/dev/null |
	    sed -n 's/^subject=CN=//p')
	printf '%s\n' "$out" | awk -v cn="${cn:-nocert}" '
	    /^(New|Reused), / {s=$1} /^HTTP\/1.1 / {c=$2}
	    /^backend=A / {h=$2}
	    END {sub(/,$/, "", s); print s, cn, c, (h == "" ? "-" : h)}'
}

sni_conf > "$WORK/sni.conf"
start_rpxd "$WORK/sni.conf" && wait_port 127.0.0.1 443 5 ||
    fail "rpxd starts with two certificates on 443"
for v in -tls1_2 -tls1_3; do
	S=$WORK/sni$v.sess
	rm -f "$S"
	expect "$v: a full handshake for lyncweb saves a session" \
	    "$(sni_req $v lyncweb.example.com lyncweb.example.com -sess_out "$S")" \
	    "New lyncweb.example.com 200 host=lyncweb.example.com"
	expect_match "$v: the session resumes under the same name" \
	    "$(sni_req $v lyncweb.example.com lyncweb.example.com -sess_in "$S")" \
	    '^Reused (lyncweb.example.com|nocert) 200 host=lyncweb.example.com$'
	expect_match "$v: ... and under the same name in other case" \
	    "$(sni_req $v LyncWeb.Example.COM lyncweb.example.com -sess_in "$S")" \
	    '^Reused (lyncweb.example.com|nocert) 200 host=lyncweb.example.com$'
	expect "$v: under another name: full handshake, that name's certificate, routed" \
	    "$(sni_req $v owa.example.com owa.example.com -sess_in "$S")" \
	    "New owa.example.com 200 host=owa.example.com"
	expect "$v: without SNI: full handshake, the default certificate" \
	    "$(sni_req $v - lyncweb.example.com -sess_in "$S")" \
	    "New lyncweb.example.com 200 host=lyncweb.example.com"
	expect_match "$v: a resumed lyncweb connection asking for owa gets 421" \
	    "$(sni_req $v lyncweb.example.com owa.example.com -sess_in "$S")" \
	    '^Reused (lyncweb.example.com|nocert) 421 -$'
	# A session saved under owa resumes under owa, not under lyncweb.
	S2=$WORK/sni-owa$v.sess
	rm -f "$S2"
	sni_req $v owa.example.com owa.example.com -sess_out "$S2" >/dev/null
	expect_match "$v: a session saved under owa resumes under owa" \
	    "$(sni_req $v owa.example.com owa.example.com -sess_in "$S2")" \
	    '^Reused (owa.example.com|nocert) 200 host=owa.example.com$'
	expect "$v: ... and not under lyncweb (Lync certificate, Host lyncweb routed)" \
	    "$(sni_req $v lyncweb.example.com lyncweb.example.com -sess_in "$S2")" \
	    "New lyncweb.example.com 200 host=lyncweb.example.com"
done

# rpxd -n names the option's line (issue 16): a refused cipher at the
# ciphers line, not at "tls {"; a backend client-key that does not match
# its client-certificate at the client-key line, with both files.
cat > "$WORK/cipher-line.conf" <<CONF
backend "siteA" { server = { "127.0.0.1:8080" } }
listener "https" {
	port = 443
	tls {
		certificate "$P/owa.pem" { key = "$P/owa.key" }
		ciphers = "AES128-GCM-SHA256"
	}
	route "owa" { backend = "siteA" }
}
CONF
out=$("$TOP/rpxd" -n -f "$WORK/cipher-line.conf" 2>&1); rc=$?
expect "rpxd -n: a refused cipher is reported at the ciphers line" "$rc $out" \
    "1 $WORK/cipher-line.conf:6: listener \"https\": tls: ciphers: AES128-GCM-SHA256 uses RSA key exchange, which needs a decryption; private keys only sign (add \":!kRSA\")"
cat > "$WORK/client-key.conf" <<CONF
backend "b" {
	server = { "127.0.0.1:4443" }
	tls = yes
	ca-file = "$P/ca.pem"
	client-certificate = "$P/client.pem"
	client-key = "$P/owa.key"
}
listener "http" { port = 80 route "r" { backend = "b" } }
CONF
out=$("$TOP/rpxd" -n -f "$WORK/client-key.conf" 2>&1); rc=$?
expect "rpxd -n: a client-key that does not match: its line, both files" "$rc $out" \
    "1 $WORK/client-key.conf:6: backend \"b\": client-certificate \"$P/client.pem\": client-key \"$P/owa.key\": key does not match the certificate"
