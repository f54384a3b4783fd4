# TLS part of the benchmark, sourced by bench/run.sh after the work dir
# ($dir) exists and before the configurations are written. It makes a test
# CA and the certificates with openssl in $dir/tls, builds the handshake
# client bench/tlshs.c into $dir, measures `openssl speed` signatures/s on
# one core, and sets the configuration snippets that run.sh puts into the
# backend nginx, proxy nginx, HAProxy and rpxd configurations:
#   tls_backend_nginx  tls_nginx_http  tls_haproxy_global  tls_haproxy_sections
#   tls_rpxd
# All three proxies get the same certificates and keys, TLS 1.2 + 1.3 with
# Mozilla's "intermediate" lists (no server cipher preference), the curves
# X25519:P-256:P-384, ALPN http/1.1, session tickets at each one's default
# (on), and re-encrypt over HTTP/1.1 to the backend nginx's TLS server,
# verifying its certificate against the bench CA and the name
# backend.bench.local (SNI sent; HAProxy checks the name against the SNI).
# HAProxy's backends have `http-reuse always` (proxies.sh's defaults, and
# said again here): with `safe` the first request of every client
# connection gets a backend connection of its own, i.e. a backend TLS
# handshake per request in the handshake rows, where nginx (upstream
# keepalive) reuses an idle one; that halved HAProxy's handshake rows and
# would not measure its front end. Ports: TLS_PORT_EC (ECDSA P-256 leaf) and
# TLS_PORT_RSA (RSA-2048 leaf) per proxy, BACKEND_TLS_PORT for the backend.

declare -A TLS_PORT_EC=([rpxd]=18010 [haproxy]=18011 [nginx]=18012)
declare -A TLS_PORT_RSA=([rpxd]=18020 [haproxy]=18021 [nginx]=18022)
BACKEND_TLS_PORT=18443
TLS_SNI=bench.local		# the proxies' certificates: DNS:bench.local, IP:127.0.0.1
BACKEND_NAME=backend.bench.local	# the backend's: DNS:backend.bench.local, IP:127.0.0.1
# Mozilla intermediate (guidelines 5.7): TLS 1.2 list; 1.3 suites; curves
MOZ_CIPHERS=ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305
MOZ_SUITES=TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256
MOZ_CURVES=X25519:prime256v1:secp384r1

tls_ports() { echo ${TLS_PORT_EC[*]} ${TLS_PORT_RSA[*]} $BACKEND_TLS_PORT; }

tls_make_certs() {	# -> $dir/tls/{ca,ec,rsa,backend}.{pem,key}, haproxy-{ec,rsa}.pem
	local t=$dir/tls n
	mkdir -p "$t"
	cat > "$t/openssl.cnf" <<'CNF'
[req]
distinguished_name = dn
[dn]
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[leaf]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = $ENV::SAN
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
	(
	set -e
	cd "$t"
	export SAN=DNS:unused
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca.key
	openssl req -x509 -new -key ca.key -subj "/CN=rpxd bench test CA" -days 60 \
	    -config openssl.cnf -extensions ca -out ca.pem
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec.key
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.key
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out backend.key
	for n in ec rsa backend; do
		if [ $n = backend ]; then cn=$BACKEND_NAME; else cn=$TLS_SNI; fi
		SAN="DNS:$cn,IP:127.0.0.1" openssl req -new -key $n.key -subj "/CN=$cn" -config openssl.cnf -out $n.csr
		SAN="DNS:$cn,IP:127.0.0.1" openssl x509 -req -in $n.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
		    -days 60 -extfile openssl.cnf -extensions leaf -out $n.pem
	done
	# HAProxy reads the certificate and its key from one file
	cat ec.pem ec.key > haproxy-ec.pem
	cat rsa.pem rsa.key > haproxy-rsa.pem
	chmod 600 ./*.key haproxy-*.pem
	) > "$dir/logs/certs.log" 2>&1 || { echo "run.sh: making the test certificates failed:" >&2; cat "$dir/logs/certs.log" >&2; return 1; }
	openssl verify -CAfile "$t/ca.pem" "$t/ec.pem" "$t/rsa.pem" "$t/backend.pem" >/dev/null ||
	    { echo "run.sh: the test certificates do not verify" >&2; return 1; }
}

tls_build_client() {
	cc -O2 -Wall -pthread "$top/bench/tlshs.c" -o "$dir/tlshs" -lssl -lcrypto 2>"$dir/logs/tlshs-build.log" ||
	    { echo "run.sh: building bench/tlshs.c failed (libssl-dev?):" >&2; cat "$dir/logs/tlshs-build.log" >&2; return 1; }
}

tls_speed() {	# -> SIGN_EC, SIGN_RSA: openssl speed sign/s on one core
	local s=2
	[ "${QUICK:-0}" = 1 ] && s=1
	openssl speed -seconds $s ecdsap256 rsa2048 > "$dir/logs/speed.txt" 2>/dev/null
	SIGN_RSA=$(awk '/^rsa 2048 bits/ {print $6}' "$dir/logs/speed.txt")
	SIGN_EC=$(awk '/ecdsa \(nistp256\)/ {print $(NF - 1)}' "$dir/logs/speed.txt")
}

tls_configs() {
	local t=$dir/tls p
	tls_backend_nginx="server { listen 127.0.0.1:$BACKEND_TLS_PORT ssl; root $dir/www;
    ssl_certificate $t/backend.pem; ssl_certificate_key $t/backend.key;
    ssl_protocols TLSv1.2 TLSv1.3; ssl_ciphers $MOZ_CIPHERS; ssl_prefer_server_ciphers off;
    ssl_conf_command Ciphersuites $MOZ_SUITES; ssl_ecdh_curve $MOZ_CURVES; }"

	# proxy nginx: the same proxying as the plain server, upstream over TLS
	local loc="location / { proxy_pass https://be_tls; proxy_http_version 1.1; proxy_set_header Connection \"\";
      proxy_max_temp_file_size 0;
      proxy_ssl_verify on; proxy_ssl_trusted_certificate $t/ca.pem; proxy_ssl_verify_depth 2;
      proxy_ssl_name $BACKEND_NAME; proxy_ssl_server_name on; proxy_ssl_session_reuse on;
      proxy_ssl_protocols TLSv1.2 TLSv1.3; proxy_ssl_ciphers $MOZ_CIPHERS; }"
	local common="ssl_protocols TLSv1.2 TLSv1.3; ssl_ciphers $MOZ_CIPHERS; ssl_prefer_server_ciphers off;
    ssl_conf_command Ciphersuites $MOZ_SUITES; ssl_ecdh_curve $MOZ_CURVES;"
	tls_nginx_http="upstream be_tls { server 127.0.0.1:$BACKEND_TLS_PORT; keepalive 64; }
  server { listen 127.0.0.1:${TLS_PORT_EC[nginx]} ssl; ssl_certificate $t/ec.pem; ssl_certificate_key $t/ec.key;
    $common
    $loc }
  server { listen 127.0.0.1:${TLS_PORT_RSA[nginx]} ssl; ssl_certificate $t/rsa.pem; ssl_certificate_key $t/rsa.key;
    $common
    $loc }"

	tls_haproxy_global="  ssl-default-bind-ciphers $MOZ_CIPHERS
  ssl-default-bind-ciphersuites $MOZ_SUITES
  ssl-default-bind-options prefer-client-ciphers ssl-min-ver TLSv1.2
  ssl-default-server-ciphers $MOZ_CIPHERS
  ssl-default-server-ciphersuites $MOZ_SUITES
  ssl-default-server-options ssl-min-ver TLSv1.2
  tune.ssl.default-dh-param 2048"
	local curves=X25519:P-256:P-384
	tls_haproxy_sections="frontend fe_tls_ec
  bind 127.0.0.1:${TLS_PORT_EC[haproxy]} ssl crt $t/haproxy-ec.pem alpn http/1.1 curves $curves
  default_backend be_tls
frontend fe_tls_rsa
  bind 127.0.0.1:${TLS_PORT_RSA[haproxy]} ssl crt $t/haproxy-rsa.pem alpn http/1.1 curves $curves
  default_backend be_tls
backend be_tls
  http-reuse always
  server s1 127.0.0.1:$BACKEND_TLS_PORT ssl verify required ca-file $t/ca.pem verifyhost $BACKEND_NAME sni str($BACKEND_NAME)"

	tls_rpxd="backend \"nginx-tls\" {
  server = { \"127.0.0.1:$BACKEND_TLS_PORT\" }
  tls = yes
  ca-file = \"$t/ca.pem\"
  verify = yes
  verify-name = \"$BACKEND_NAME\"
  sni = \"$BACKEND_NAME\"
}"
	for p in ec rsa; do
		local port
		if [ $p = ec ]; then port=${TLS_PORT_EC[rpxd]}; else port=${TLS_PORT_RSA[rpxd]}; fi
		tls_rpxd+="
listener \"tls-$p\" {
  address = \"127.0.0.1\"
  port = $port
  access-log = false
  tls {
    certificate \"$t/$p.pem\" { key = \"$t/$p.key\" }
    protocols = \"TLSv1.2 TLSv1.3\"
    ciphers = \"$MOZ_CIPHERS\"
    ciphersuites = \"$MOZ_SUITES\"
    curves = \"$MOZ_CURVES\"
  }
  route \"all-$p\" { path = \"/*\" backend = \"nginx-tls\" }
}"
	done
}

tls_setup() {	# everything above, in order; 1 on failure
	tls_make_certs && tls_build_client && tls_configs || return 1
	tls_speed
	[ -n "$SIGN_EC" ] && [ -n "$SIGN_RSA" ] ||
	    echo "run.sh: could not read openssl speed's sign/s (see logs/speed.txt)" >&2
	return 0
}

HS_TIMEOUT=${HS_TIMEOUT:-10}	# s a tlshs attempt may take (connect, handshake, response)
tls_run_hs() {	# port conns -> tlshs's "key: value" lines for run.sh's parser
	timeout $((DURATION + HS_TIMEOUT + 30)) "$dir/tlshs" 127.0.0.1 "$1" /small "$2" "$DURATION" "$TLS_SNI" "$HS_TIMEOUT"
}
