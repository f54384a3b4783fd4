# The key service keeps up (issue 15): a proxy never fails a handshake
# because its own signing service is busy. One key holder signs with an
# RSA-8192 key (tens of milliseconds a signature) for a flood of full
# handshakes from FLOOD_CLIENTS concurrent clients (bench/tlshs.c: a new
# connection and a full TLS handshake per request, never resumed), so a
# handshake waits seconds for its signature: longer than the fixed 3 s
# after which workers used to give up ("tls: key service: no answer in
# 3000 ms", the holder's "deadline passed", the client's handshake
# failed). Now a worker waits as long as its handshake may take
# (client-header-timeout): every handshake succeeds, slower, and the log
# has none of those lines. The figures of the flood are printed. Takes
# about 40 s.
FLOOD_CLIENTS=150
FLOOD_SECONDS=8
start_nginx_tls || fail "nginx TLS backends start (the test PKI)"
P=$WORK/pki
FL=$WORK/flood
mkdir -p "$FL"
FLOOD_MARK=0
[ -f "$WORK/rpxd.log" ] && FLOOD_MARK=$(wc -l < "$WORK/rpxd.log")
flood_log() { tail -n "+$((FLOOD_MARK + 1))" "$WORK/rpxd.log"; }

# The RSA-8192 leaf: the fixed test key, a certificate from the test CA.
sed -n '/-----BEGIN/,/-----END/p' "$IT/flood-rsa8192.key" > "$FL/slow.key"
chmod 600 "$FL/slow.key"
openssl req -new -key "$FL/slow.key" -subj "/CN=lyncweb.example.com" \
    -out "$FL/slow.csr" 2>/dev/null &&
    PKI_SAN=$LYNC_SANS PKI_KU=digitalSignature,keyEncipherment \
    openssl ca -batch -notext -config "$P/int/ca.cnf" -extensions leaf \
    -in "$FL/slow.csr" -out "$FL/slow.crt" -days 30 >"$FL/ca.log" 2>&1 &&
    cat "$FL/slow.crt" "$P/int/int.crt" > "$FL/slow.pem" ||
    fail "the RSA-8192 test certificate is made" "$(cat "$FL/ca.log")"
cc -O2 -pthread "$TOP/bench/tlshs.c" -o "$FL/tlshs" -lssl -lcrypto \
    2>"$FL/cc.log" || fail "bench/tlshs.c builds" "$(cat "$FL/cc.log")"

# A worker for every client, one key holder for all of them.
{
	base_conf $((FLOOD_CLIENTS + 10)) $((FLOOD_CLIENTS + 20)) \
	    $((FLOOD_CLIENTS + 40))
	cat <<CONF
key-holders = 1
client-header-timeout = 90
backend "siteA" { server = { "127.0.0.1:8080" } }
listener "http" {
	address = "127.0.0.1"
	port = 80
	route "all" { backend = "siteA" }
}
listener "https" {
	address = "127.0.0.1"
	port = 443
	tls { certificate "$FL/slow.pem" { key = "$FL/slow.key" } }
	route "all" { backend = "siteA" }
}
CONF
} > "$WORK/flood.conf"
start_rpxd "$WORK/flood.conf" || fail "rpxd starts with one key holder"
wait_workers "$FLOOD_CLIENTS" 30 ||
    fail "the pool reaches $FLOOD_CLIENTS workers" "$(workers | wc -l)"
holder=$(pgrep -P "$RPXD_PID" -x rpxd-keys)
expect "one key holder" "$(echo "$holder" | wc -w)" 1

timeout 300 "$FL/tlshs" 127.0.0.1 443 /small.txt "$FLOOD_CLIENTS" \
    "$FLOOD_SECONDS" lyncweb.example.com > "$FL/tlshs.out" 2>&1
fig() { awk -F': ' -v k="$1" '$1 == k { print $2 }' "$FL/tlshs.out"; }
echo "   (flood: $FLOOD_CLIENTS clients, $(fig ok) handshakes in" \
    "$(fig seconds) s, p50 $(fig 'p50 ms') ms, p99 $(fig 'p99 ms') ms;" \
    "$(fig first))"
check "the flood's handshakes were made" test "$(fig ok)" -gt 0 2>/dev/null
expect "no handshake of the flood failed on the client side" \
    "errors=$(fig errors) non-2xx=$(fig non-2xx) resumed=$(fig resumed)" \
    "errors=0 non-2xx=0 resumed=0"
expect_match "... and each was signed with the RSA-8192 key" "$(fig first)" \
    'server key rsaEncryption 8192 bits'
for what in "no answer" "deadline passed" "handshake failed"; do
	expect "the log has no \"$what\" line" \
	    "$(flood_log | grep -c -- "$what")" 0
done
expect "the key holder is the one that started" \
    "$(pgrep -P "$RPXD_PID" -x rpxd-keys)" "$holder"
