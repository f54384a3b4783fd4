# A test PKI made with openssl at test time, for the TLS integration tests:
# a root CA, an intermediate that signs the leaves (so a server must send
# its chain), a second root nobody trusts, listener and backend certificates
# (good, expired, expiring soon, wrong name, unknown CA) and a stray key.
# Sourced by the t_6x tests; make_pki DIR writes everything into DIR.
#
#   ca.pem                root CA: the trust anchor clients and rpxd use
#   lync-rsa.pem/.key     RSA-2048, SANs lyncweb meet dialin lyncdiscover
#   lync-ecdsa.pem/.key   ECDSA P-256, the same SANs
#   wild.pem/.key         *.wild.example.com
#   owa.pem/.key          owa.example.com
#   lync-expired.pem/.key lync names, expired in 2021
#   lync-soon.pem/.key    lync names, expires in 10 days
#   lync-future.pem/.key  lync names, not valid before 2099
#   stray.key             an RSA key that matches no certificate
#   lync-rsa.ocsp         a DER OCSP response "good" for lync-rsa
#   fe01.pem/.key         backend fe01.corp.local + IP 127.0.0.1
#   fe01-expired.pem/.key the same names, expired in 2021
#   other.pem/.key        backend other.corp.local (the wrong name)
#   fe01-unknown.pem/.key fe01.corp.local + 127.0.0.1 from the unknown CA
#   client.pem/.key       a client certificate (mutual TLS)
# Every .pem holds the leaf then the intermediate (fe01-unknown.pem: the
# leaf alone, as its CA is a root); .crt is the leaf alone.

LYNC_SANS="DNS:lyncweb.example.com,DNS:meet.example.com,DNS:dialin.example.com,DNS:lyncdiscover.example.com"

pki_key() {	# rsa|ec file
	if [ "$1" = rsa ]; then
		openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
		    -out "$2" 2>/dev/null
	else
		openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
		    -out "$2" 2>/dev/null
	fi
}

# pki_ca_conf DIR: the minimal `openssl ca` configuration for the
# intermediate in DIR/int; `openssl ca` is the only way on OpenSSL 3.0 to
# give a certificate dates in the past.
pki_ca_conf() {
	cat <<CNF
[ ca ]
default_ca = int
[ int ]
dir = $1/int
database = \$dir/index.txt
new_certs_dir = \$dir/new
serial = \$dir/serial
certificate = \$dir/int.crt
private_key = \$dir/int.key
default_md = sha256
default_days = 365
policy = any
unique_subject = no
rand_serial = yes
copy_extensions = none
email_in_dn = no
[ any ]
commonName = supplied
[ leaf ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,\$ENV::PKI_KU
extendedKeyUsage = serverAuth,clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid,issuer
subjectAltName = \$ENV::PKI_SAN
# a revocation URI, as public CAs give (nothing listens on it; no test
# fetches it)
crlDistributionPoints = URI:http://127.0.0.1:9/rpxd-test.crl
[ client ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
[ subca ]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid,issuer
CNF
}

# pki_leaf DIR NAME rsa|ec CN SANS [openssl ca date options]
pki_leaf() {
	local d=$1 n=$2 t=$3 cn=$4 san=$5 ku
	shift 5
	pki_key "$t" "$d/$n.key" || return 1
	if [ "$t" = rsa ]; then ku="digitalSignature,keyEncipherment"
	else ku="digitalSignature"; fi
	openssl req -new -key "$d/$n.key" -subj "/CN=$cn" -out "$d/$n.csr" \
	    2>/dev/null || return 1
	[ $# -eq 0 ] && set -- -days 365
	PKI_SAN=$san PKI_KU=$ku openssl ca -batch -notext \
	    -config "$d/int/ca.cnf" -extensions leaf -in "$d/$n.csr" \
	    -out "$d/$n.crt" "$@" >"$d/int/$n.log" 2>&1 ||
	    { cat "$d/int/$n.log" >&2; return 1; }
	cat "$d/$n.crt" "$d/int/int.crt" > "$d/$n.pem"
}

make_pki() {	# DIR
	local d=$1
	[ -s "$d/client.pem" ] && return 0	# made already in this run
	# every use of ca.cnf needs these set, even where [ leaf ] is unused
	local PKI_SAN=DNS:unused.invalid PKI_KU=digitalSignature
	export PKI_SAN PKI_KU
	mkdir -p "$d/int/new" "$d/ca2" || return 1
	chmod 755 "$d"
	: > "$d/int/index.txt"
	echo 1000 > "$d/int/serial"
	pki_ca_conf "$d" > "$d/int/ca.cnf"

	# The trusted root and the intermediate it signs.
	pki_key rsa "$d/ca.key" || return 1
	openssl req -x509 -new -key "$d/ca.key" -subj "/CN=rpxd test root CA" \
	    -days 3650 -addext "basicConstraints=critical,CA:TRUE" \
	    -addext "keyUsage=critical,keyCertSign,cRLSign" \
	    -out "$d/ca.pem" 2>/dev/null || return 1
	pki_key rsa "$d/int/int.key" || return 1
	openssl req -new -key "$d/int/int.key" \
	    -subj "/CN=rpxd test intermediate CA" -out "$d/int/int.csr" \
	    2>/dev/null || return 1
	openssl x509 -req -in "$d/int/int.csr" -CA "$d/ca.pem" \
	    -CAkey "$d/ca.key" -set_serial "0x$(openssl rand -hex 16)" \
	    -days 3650 \
	    -extfile "$d/int/ca.cnf" -extensions subca \
	    -out "$d/int/int.crt" 2>/dev/null || return 1

	# A second root that nobody is told to trust.
	pki_key rsa "$d/ca2/ca2.key" || return 1
	openssl req -x509 -new -key "$d/ca2/ca2.key" \
	    -subj "/CN=rpxd unknown CA" -days 3650 \
	    -addext "basicConstraints=critical,CA:TRUE" \
	    -addext "keyUsage=critical,keyCertSign,cRLSign" \
	    -out "$d/ca2/ca2.pem" 2>/dev/null || return 1

	# Listener certificates.
	pki_leaf "$d" lync-rsa rsa lyncweb.example.com "$LYNC_SANS" || return 1
	pki_leaf "$d" lync-ecdsa ec lyncweb.example.com "$LYNC_SANS" || return 1
	pki_leaf "$d" wild rsa '*.wild.example.com' 'DNS:*.wild.example.com' ||
	    return 1
	pki_leaf "$d" owa rsa owa.example.com DNS:owa.example.com || return 1
	pki_leaf "$d" lync-expired rsa lyncweb.example.com "$LYNC_SANS" \
	    -startdate 20200101000000Z -enddate 20210101000000Z || return 1
	pki_leaf "$d" lync-soon rsa lyncweb.example.com "$LYNC_SANS" \
	    -days 10 || return 1
	pki_leaf "$d" lync-future rsa lyncweb.example.com "$LYNC_SANS" \
	    -startdate 20990101000000Z -enddate 20991231000000Z || return 1
	pki_key rsa "$d/stray.key" || return 1
	# an OCSP response for lync-rsa (good, 7 days), signed by its issuer,
	# for ocsp-response stapling
	openssl ocsp -issuer "$d/int/int.crt" -cert "$d/lync-rsa.crt" \
	    -no_nonce -reqout "$d/int/ocsp.req" >/dev/null 2>&1 || return 1
	openssl ocsp -index "$d/int/index.txt" -rsigner "$d/int/int.crt" \
	    -rkey "$d/int/int.key" -CA "$d/int/int.crt" -reqin "$d/int/ocsp.req" \
	    -respout "$d/lync-rsa.ocsp" -ndays 7 >/dev/null 2>&1 || return 1

	# Backend certificates (served by nginx on 4443..4446).
	pki_leaf "$d" fe01 ec fe01.corp.local \
	    "DNS:fe01.corp.local,IP:127.0.0.1" || return 1
	pki_leaf "$d" fe01-expired ec fe01.corp.local \
	    "DNS:fe01.corp.local,IP:127.0.0.1" \
	    -startdate 20200101000000Z -enddate 20210101000000Z || return 1
	pki_leaf "$d" other ec other.corp.local DNS:other.corp.local || return 1
	pki_key ec "$d/fe01-unknown.key" || return 1
	openssl req -new -key "$d/fe01-unknown.key" -subj "/CN=fe01.corp.local" \
	    -out "$d/fe01-unknown.csr" 2>/dev/null || return 1
	PKI_SAN="DNS:fe01.corp.local,IP:127.0.0.1" PKI_KU=digitalSignature \
	    openssl x509 -req -in "$d/fe01-unknown.csr" -CA "$d/ca2/ca2.pem" \
	    -CAkey "$d/ca2/ca2.key" -set_serial "0x$(openssl rand -hex 16)" \
	    -days 365 \
	    -extfile "$d/int/ca.cnf" -extensions leaf \
	    -out "$d/fe01-unknown.crt" 2>/dev/null || return 1
	cp "$d/fe01-unknown.crt" "$d/fe01-unknown.pem"

	# A client certificate, for mutual TLS to a backend.
	pki_key ec "$d/client.key" || return 1
	openssl req -new -key "$d/client.key" -subj "/CN=rpxd test client" \
	    -out "$d/client.csr" 2>/dev/null || return 1
	openssl ca -batch -notext -config "$d/int/ca.cnf" -extensions client \
	    -in "$d/client.csr" -out "$d/client.crt" -days 365 \
	    >"$d/int/client.log" 2>&1 || return 1
	cat "$d/client.crt" "$d/int/int.crt" > "$d/client.pem"
	chmod 600 "$d"/*.key
}
