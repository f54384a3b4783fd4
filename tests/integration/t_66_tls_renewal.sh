# Certificate renewal as an operator does it: the files are replaced in
# place and rpxd gets SIGHUP; new connections get the new certificate,
# a connection opened before the reload finishes on the old one.
start_nginx_tls || fail "nginx TLS backends start on 4443..4446"
P=$WORK/pki
R=$WORK/renew
mkdir -p "$R"
cp "$P/owa.pem" "$R/site.pem"
cp "$P/owa.key" "$R/site.key"

renew_conf() {
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
	tls { certificate "$R/site.pem" { key = "$R/site.key" } }
	route "a" { host = { "owa.example.com" } backend = "siteA" }
}
CONF
}

# serial: the serial number of the certificate rpxd serves now
serial() {
	timeout 10 openssl s_client -connect 127.0.0.1:443 \
	    -servername owa.example.com </dev/null 2>/dev/null |
	    openssl x509 -noout -serial 2>/dev/null
}

renew_conf > "$WORK/renew.conf"
start_rpxd "$WORK/renew.conf" || fail "rpxd starts for the renewal test"
old=$(serial)
expect "the original certificate is served" "$old" \
    "$(openssl x509 -noout -serial -in "$P/owa.pem")"

# A download in flight across the reload (1 MiB at 256 KiB/s).
curl -s --max-time 20 -k --limit-rate 256k --resolve owa.example.com:443:127.0.0.1 \
    -o "$WORK/renew-held.bin" https://owa.example.com/1m.bin &
held=$!
sleep 1

# The renewed certificate: a new key, the same name, self-signed.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$R/site.key" -out "$R/site.pem" -days 30 \
    -subj /CN=owa.example.com -addext "subjectAltName=DNS:owa.example.com" \
    2>/dev/null
kill -HUP "$RPXD_PID"
sleep 2
new=$(serial)
expect "after SIGHUP new connections get the renewed certificate" "$new" \
    "$(openssl x509 -noout -serial -in "$R/site.pem")"
check "the renewed certificate differs from the old one" test "$new" != "$old"
wait "$held"
expect "a download in flight across the reload arrives whole" \
    "$(sha256sum < "$WORK/renew-held.bin" | cut -d' ' -f1)" \
    "$(sha256sum < "$WORK/nginx/1m.bin" | cut -d' ' -f1)"
