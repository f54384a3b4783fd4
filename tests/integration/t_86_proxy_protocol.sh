# PROXY protocol on listeners (issue 17): a layer-4 balancer's header, v1
# or v2, from a trusted source gives the client's address to the access
# log and X-Forwarded-For; anything else is closed with a log line.
# Clients: curl --haproxy-protocol and proxy_client.py (v1, v2 with TLVs,
# v2 LOCAL, partial, none), plain and over TLS.
. "$IT/tls_pki.sh"

pp_conf() {
	base_conf
	cat <<CONF
client-header-timeout = 2
backend "siteA" { server = { "127.0.0.1:8080" } }
listener "lb" {
	address = "127.0.0.1"
	port = 80
	proxy-protocol = true
	proxy-protocol-from = { "10.0.0.0/8", "127.0.0.1" }
	route "lync" { host = { "lyncweb.example.com" } backend = "siteA" }
}
listener "lb-tls" {
	address = "127.0.0.1"
	port = 443
	proxy-protocol = true
	proxy-protocol-from = { "127.0.0.0/8" }
	tls { certificate "$WORK/pki/lync-rsa.pem" { key = "$WORK/pki/lync-rsa.key" } }
	route "lync" { host = { "lyncweb.example.com" } backend = "siteA" }
}
listener "other-lb" {
	address = "127.0.0.1"
	port = 81
	proxy-protocol = true
	proxy-protocol-from = { "127.0.0.2/32", "2001:db8::/32" }
	route "lync" { host = { "lyncweb.example.com" } backend = "siteA" }
}
CONF
}

pp() { python3 "$IT/proxy_client.py" "$@" 2>&1; }

pp_config_errors() {
	local r
	printf '%s\n' "$(base_conf)" 'listener "x" {' 'address = "127.0.0.1"' \
	    'port = 8099' 'proxy-protocol = true' \
	    'route "r" { backend = "b" }' '}' \
	    'backend "b" { server = { "127.0.0.1:8080" } }' > "$WORK/pp-bad1.conf"
	r=$("$TOP/rpxd" -n -f "$WORK/pp-bad1.conf" 2>&1)
	expect_match "rpxd -n: proxy-protocol without proxy-protocol-from names file, line and option" \
	    "$r" 'pp-bad1\.conf:[0-9]+: listener "x": proxy-protocol: needs proxy-protocol-from'
	sed 's/proxy-protocol = true/proxy-protocol = true\nproxy-protocol-from = { "10.0.0.1\/8" }/' \
	    "$WORK/pp-bad1.conf" > "$WORK/pp-bad2.conf"
	r=$("$TOP/rpxd" -n -f "$WORK/pp-bad2.conf" 2>&1)
	expect_match "rpxd -n: a prefix with host bits is refused on its line" \
	    "$r" 'pp-bad2\.conf:12: proxy-protocol-from: "10\.0\.0\.1/8": the address has bits set beyond the prefix length'
}

pp_tests() {
	local r
	make_pki "$WORK/pki" || { fail "test PKI made"; return; }
	pp_config_errors
	pp_conf > "$WORK/pp.conf"
	start_rpxd "$WORK/pp.conf" || { fail "rpxd starts with PROXY protocol listeners"; return; }
	r=$(pp 80 v1 203.0.113.7)
	expect_match "v1 header from a trusted balancer: the backend sees the header's address in X-Forwarded-For" \
	    "$r" '^HTTP/1.1 200 OK backend=A .* xff=203\.0\.113\.7 '
	sleep 0.3
	check "... and the access line shows it as the client" \
	    grep -q 'access client=203\.0\.113\.7:40000 listener=lb ' "$WORK/rpxd.log"
	r=$(pp 80 v2 2001:db8::7)
	expect_match "v2 header with unknown TLVs, IPv6 source: X-Forwarded-For is that address" \
	    "$r" '^HTTP/1.1 200 OK backend=A .* xff=2001:db8::7 '
	r=$(pp 80 v2local 192.0.2.1)
	expect_match "v2 LOCAL (the balancer's own check): the connection's own address" \
	    "$r" '^HTTP/1.1 200 OK backend=A .* xff=127\.0\.0\.1 '
	r=$(curl -s --max-time 5 --haproxy-protocol -H 'Host: lyncweb.example.com' http://127.0.0.1/)
	expect_match "curl --haproxy-protocol gets 200" "$r" '^backend=A .* xff=127\.0\.0\.1 '
	r=$(pp 443 v2 198.51.100.9 --tls "$WORK/pki/ca.pem")
	expect_match "v2 header, then TLS: 200 with the header's address" \
	    "$r" '^HTTP/1.1 200 OK backend=A .* xff=198\.51\.100\.9 xfp=https '
	r=$(pp 80 none 0.0.0.0)
	expect "no header on a PROXY listener: closed, no answer" "$r" closed
	check "... logged" log_has 'proxy: balancer 127\.0\.0\.1:[0-9]* on listener "lb": no PROXY protocol header; closing'
	r=$(pp 81 v1 203.0.113.8)
	expect "a header from a source outside proxy-protocol-from: closed" "$r" closed
	check "... logged" log_has 'proxy: 127\.0\.0\.1:[0-9]* on listener "other-lb" is not in proxy-protocol-from; closing'
	r=$(pp 80 partial 203.0.113.9)
	expect "a header that stops half way: closed after client-header-timeout" "$r" "closed after 2 s"
	check "... logged" log_has 'on listener "lb": no whole header within client-header-timeout; closing'
	r=$("$TOP/rpxctl" -s "$WORK/rpxd.sock" show config | grep -c 'proxy-protocol-from = {"10.0.0.0/8", "127.0.0.1/32"}')
	expect "rpxctl show config lists the trusted sources" "$r" 1
	stop_rpxd
}

pp_tests
