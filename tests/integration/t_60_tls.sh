# TLS (issue 3): rpxd on 127.0.0.1:443 with SNI certificates (RSA and ECDSA
# for the Lync names, a wildcard, OWA; OCSP stapling) bridging to nginx TLS
# backends on 4443..4446, a second TLS listener on 8443 with its own
# certificate and settings, plain 80 -> 8080 beside them; Host against SNI,
# backend verification failures, redirect to https, session resumption
# across workers and reloads, and the load-time certificate checks.
# Checks what clients see (curl, openssl s_client) and what rpxd logs.
# Takes about 15 s.
start_nginx_tls || fail "nginx TLS backends start on 4443..4446"
P=$WORK/pki
LOG_MARK=0
[ -f "$WORK/rpxd.log" ] && LOG_MARK=$(wc -l < "$WORK/rpxd.log")

# tls_log_has REGEX: in what rpxd logged since this test began
tls_log_has() { tail -n "+$((LOG_MARK + 1))" "$WORK/rpxd.log" | grep -q -- "$1"; }
tls_log_count() { tail -n "+$((LOG_MARK + 1))" "$WORK/rpxd.log" | grep -c -- "$1"; }

tls_conf() {
	base_conf
	cat <<CONF
tls-ticket-rotation = 3600
client-header-timeout = 3
backend "siteA" { server = { "127.0.0.1:8080" } }
backend "dav" { server = { "127.0.0.1:8082" } }
backend "fe" {
	server = { "127.0.0.1:4443" }
	tls = yes
	ca-file = "$P/ca.pem"
	verify-name = "fe01.corp.local"
	sni = "fe01.corp.local"
}
backend "fe-ip" {
	server = { "127.0.0.1:4443" }
	tls = yes
	ca-file = "$P/ca.pem"
}
backend "fe-mtls" {
	server = { "127.0.0.1:4443" }
	tls = yes
	ca-file = "$P/ca.pem"
	verify-name = "fe01.corp.local"
	client-certificate = "$P/client.pem"
	client-key = "$P/client.key"
}
backend "fe-expired" {
	server = { "127.0.0.1:4444" }
	tls = yes
	ca-file = "$P/ca.pem"
	verify-name = "fe01.corp.local"
}
backend "fe-wrongname" {
	server = { "127.0.0.1:4445" }
	tls = yes
	ca-file = "$P/ca.pem"
	verify-name = "fe01.corp.local"
}
backend "fe-unknownca" {
	server = { "127.0.0.1:4446" }
	tls = yes
	ca-file = "$P/ca.pem"
	verify-name = "fe01.corp.local"
}
backend "noverify" {
	server = { "127.0.0.1:4446" }
	tls = yes
	verify = no
}
listener "https" {
	address = "127.0.0.1"
	port = 443
	tls {
		certificate "$P/lync-rsa.pem" {
			key = "$P/lync-rsa.key"
			ocsp-response = "$P/lync-rsa.ocsp"
		}
		certificate "$P/lync-ecdsa.pem" { key = "$P/lync-ecdsa.key" }
		certificate "$P/wild.pem" { key = "$P/wild.key" }
		certificate "$P/owa.pem" { key = "$P/owa.key" }
		${EXTRA_CERTS:-}
		hsts = 31536000
	}
	route "lync" {
		host = { "lyncweb.example.com", "meet.example.com" }
		backend = "fe"
	}
	route "dialin" {
		host = { "dialin.example.com" }
		backend = "fe"
		host-header = "rewrite"
		host-rewrite = "fe01.corp.local"
	}
	route "discover" {
		host = { "lyncdiscover.example.com" }
		backend = "fe-ip"
	}
	route "owa" { host = { "owa.example.com" } backend = "fe-mtls" }
	route "wild" { host = { "*.wild.example.com" } backend = "siteA" }
	route "dav" {
		host = { "meet.example.com" }
		path = "/dav/*"
		backend = "dav"
	}
	route "expired" {
		host = { "meet.example.com" }
		path = "/expired/*"
		backend = "fe-expired"
	}
	route "wrongname" {
		host = { "meet.example.com" }
		path = "/wrongname/*"
		backend = "fe-wrongname"
	}
	route "unknownca" {
		host = { "meet.example.com" }
		path = "/unknownca/*"
		backend = "fe-unknownca"
	}
	route "noverify" {
		host = { "meet.example.com" }
		path = "/noverify/*"
		backend = "noverify"
	}
	${EXTRA_TLS_ROUTES:-}
}
listener "owa8443" {
	address = "127.0.0.1"
	port = 8443
	tls {
		certificate "$P/owa.pem" { key = "$P/owa.key" }
		protocols = "TLSv1.3"
		curves = "X25519"
		hsts = 600
		hsts-include-subdomains = true
	}
	route "owa" { host = { "owa.example.com" } backend = "siteA" }
}
listener "http" {
	address = "127.0.0.1"
	port = 80
	route "meet80" { host = { "meet.example.com" } backend = "siteA" }
	route "redir" {
		host = { "lyncweb.example.com" }
		redirect-https = true
	}
	route "redirport" {
		host = { "owa.example.com" }
		redirect-https = true
		redirect-port = 8443
	}
}
CONF
}

tls_conf > "$WORK/tls.conf"
start_rpxd "$WORK/tls.conf" && wait_port 127.0.0.1 443 5 &&
    wait_port 127.0.0.1 8443 5 ||
    fail "rpxd starts with TLS listeners on 443 and 8443 and a plain one on 80"

# tget NAME PATH [curl options]: the body of https://NAME/PATH through rpxd,
# with the test CA as the only trust anchor and NAME as SNI and Host
tget() {
	local n=$1 p=$2
	shift 2
	curl -s --max-time 10 --cacert "$P/ca.pem" \
	    --resolve "$n:443:127.0.0.1" "$@" "https://$n$p"
}
tstatus() { tget "$@" -o /dev/null -w '%{http_code}'; }

# served SNI|- [s_client options]: "subject=... san=... key=..." of the
# certificate rpxd serves on 443, or on $TLS_PORT ("-": the client sends
# no SNI)
served() {
	local sn=$1 pem
	shift
	if [ "$sn" = - ]; then set -- -noservername "$@"
	else set -- -servername "$sn" "$@"; fi
	pem=$(timeout 10 openssl s_client -connect "127.0.0.1:${TLS_PORT:-443}" "$@" \
	    </dev/null 2>/dev/null | sed -n '/-BEGIN CERT/,/-END CERT/p')
	[ -n "$pem" ] || { echo "no certificate"; return; }
	printf '%s\n' "$pem" | openssl x509 -noout -subject -nameopt RFC2253 \
	    -ext subjectAltName -text 2>/dev/null |
	    awk '/^subject=/ {s=$0} /DNS:/ {gsub(/^ +/, ""); d=$0}
		/Public Key Algorithm:/ {a=$NF}
		END {print s, "san=" d, "key=" a}'
}
LYNC_CERT='^subject=CN=lyncweb.example.com san=DNS:lyncweb.example.com, DNS:meet.example.com, DNS:dialin.example.com, DNS:lyncdiscover.example.com key='

# --- certificates chosen by SNI
for n in lyncweb.example.com meet.example.com dialin.example.com \
    lyncdiscover.example.com; do
	expect_match "SNI $n gets the Lync certificate" "$(served "$n")" "$LYNC_CERT"
done
expect_match "SNI a.wild.example.com gets the wildcard certificate" \
    "$(served a.wild.example.com)" '^subject=CN=\*\.wild\.example\.com san=DNS:\*\.wild\.example\.com '
expect_match "SNI owa.example.com gets the OWA certificate" \
    "$(served owa.example.com)" '^subject=CN=owa\.example\.com san=DNS:owa\.example\.com '
expect_match "an unknown SNI name gets the default (first) certificate" \
    "$(served nope.example.com)" "$LYNC_CERT"
expect_match "SNI names match case-insensitively" \
    "$(served OWA.Example.COM)" '^subject=CN=owa\.example\.com '
expect_match "the wildcard covers one label only (x.y.wild gets the default)" \
    "$(served x.y.wild.example.com)" "$LYNC_CERT"
expect_match "the wildcard does not cover the bare domain" \
    "$(served wild.example.com)" "$LYNC_CERT"
expect_match "a client without SNI gets the default (first) certificate" \
    "$(served -)" "$LYNC_CERT"
expect_match "a client without SNI that only does RSA gets the RSA default" \
    "$(served - -tls1_2 -sigalgs RSA+SHA256)" "${LYNC_CERT}rsaEncryption$"
out=$(timeout 10 openssl s_client -connect 127.0.0.1:443 \
    -servername lyncweb.example.com -CAfile "$P/ca.pem" \
    -verify_hostname lyncweb.example.com </dev/null 2>&1)
expect_match "the served chain verifies against the root alone (intermediate sent)" \
    "$out" 'Verify return code: 0 \(ok\)'

# --- OCSP stapling from the operator's response file (RSA certificate only)
out=$(timeout 10 openssl s_client -connect 127.0.0.1:443 -status \
    -servername lyncweb.example.com -tls1_2 -sigalgs RSA+SHA256 </dev/null 2>&1)
expect_match "ocsp-response: the RSA certificate's OCSP response is stapled" \
    "$out" 'OCSP Response Status: successful.*Cert Status: good'
out=$(timeout 10 openssl s_client -connect 127.0.0.1:443 -status \
    -servername lyncweb.example.com -tls1_2 -sigalgs ECDSA+SHA256 </dev/null 2>&1)
expect_match "no OCSP response is stapled for the ECDSA certificate (none configured)" \
    "$out" 'OCSP response: no response sent'

# --- RSA and ECDSA for the same names, chosen by what the client supports
expect_match "TLS 1.2 client with ECDSA sigalgs only gets the ECDSA certificate" \
    "$(served lyncweb.example.com -tls1_2 -sigalgs ECDSA+SHA256)" "${LYNC_CERT}id-ecPublicKey$"
expect_match "TLS 1.2 client with RSA sigalgs only gets the RSA certificate" \
    "$(served lyncweb.example.com -tls1_2 -sigalgs RSA+SHA256)" "${LYNC_CERT}rsaEncryption$"
expect_match "TLS 1.2 client with ECDHE-ECDSA suites only gets the ECDSA certificate" \
    "$(served meet.example.com -tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256)" "${LYNC_CERT}id-ecPublicKey$"
expect_match "TLS 1.2 client with ECDHE-RSA suites only gets the RSA certificate" \
    "$(served meet.example.com -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256)" "${LYNC_CERT}rsaEncryption$"
expect_match "TLS 1.3 client with ECDSA sigalgs only gets the ECDSA certificate" \
    "$(served lyncweb.example.com -tls1_3 -sigalgs ecdsa_secp256r1_sha256)" "${LYNC_CERT}id-ecPublicKey$"
expect_match "TLS 1.3 client with RSA-PSS sigalgs only gets the RSA certificate" \
    "$(served lyncweb.example.com -tls1_3 -sigalgs rsa_pss_rsae_sha256)" "${LYNC_CERT}rsaEncryption$"

# --- protocols: TLS 1.1 refused (and logged), ALPN http/1.1 only
out=$(timeout 10 openssl s_client -connect 127.0.0.1:443 \
    -servername lyncweb.example.com -tls1_1 -cipher 'DEFAULT@SECLEVEL=0' \
    </dev/null 2>&1)
expect_match "a TLS 1.1 client is refused with a protocol_version alert" \
    "$out" 'alert protocol version'
sleep 0.3
check "a failed client handshake is logged with the reason" \
    tls_log_has 'tls: client 127.0.0.1:[0-9]* listener "https": handshake failed: .*unsupported protocol'
r=$(curl -s --max-time 10 -w ' %{http_code}' -H 'Host: lyncweb.example.com' \
    http://127.0.0.1:443/plain)
expect_match "plain HTTP to the TLS port gets a readable 400" "$r" 'HTTPS only.* 400$'
sleep 0.3
check "... and is logged as such" tls_log_has \
    'tls: client 127.0.0.1:[0-9]* listener "https": handshake failed: plain HTTP request'
out=$(timeout 10 openssl s_client -connect 127.0.0.1:443 \
    -servername lyncweb.example.com -alpn h2,http/1.1 </dev/null 2>/dev/null)
expect_match "ALPN: a client offering h2 and http/1.1 gets http/1.1" "$out" 'ALPN protocol: http/1.1'
r=$(tget lyncweb.example.com /h2 --http2 -o /dev/null -w '%{http_code} %{http_version}')
expect "curl --http2 speaks HTTP/1.1 over TLS" "$r" "200 1.1"

# A client that connects and never starts the handshake does not hold its
# worker longer than client-header-timeout (3 s).
r=$(timeout 20 python3 -c '
import socket, time
s = socket.create_connection(("127.0.0.1", 443))
t = time.time()
s.settimeout(15)
try:
    s.recv(10)
except OSError:
    pass
print(round(time.time() - t))')
check "a silent client is closed after client-header-timeout (${r:-?} s)" \
    test "${r:-99}" -ge 2 -a "${r:-99}" -le 6
check "... and logged" tls_log_has \
    'tls: client 127.0.0.1:[0-9]* listener "https": handshake failed: .*client-header-timeout'

# --- a second TLS listener with its own certificate and settings
expect_match "the 8443 listener serves its own (only) certificate" \
    "$(TLS_PORT=8443 served lyncweb.example.com)" '^subject=CN=owa\.example\.com '
out=$(timeout 10 openssl s_client -connect 127.0.0.1:8443 \
    -servername owa.example.com -tls1_2 </dev/null 2>&1)
expect_match "protocols = TLSv1.3 refuses a TLS 1.2 client" "$out" 'alert protocol version'
# the client's first choice (and key share) is P-256: the defaults on 443
# take it, curves = X25519 on 8443 makes the client retry with X25519
out=$(timeout 10 openssl s_client -connect 127.0.0.1:443 \
    -servername owa.example.com -groups prime256v1:X25519 </dev/null 2>&1)
expect_match "default curves: a client preferring P-256 gets P-256" "$out" 'Server Temp Key: ECDH, prime256v1'
out=$(timeout 10 openssl s_client -connect 127.0.0.1:8443 \
    -servername owa.example.com -groups prime256v1:X25519 </dev/null 2>&1)
expect_match "curves = X25519: a client preferring P-256 gets X25519" "$out" 'Server Temp Key: X25519'
r=$(curl -s --max-time 10 --cacert "$P/ca.pem" -D - -o /dev/null \
    --resolve owa.example.com:8443:127.0.0.1 https://owa.example.com:8443/ |
    tr -d '\r' | grep -i '^strict-transport-security:')
expect_match "hsts-include-subdomains adds includeSubDomains" "$r" 'max-age=600; *includeSubDomains$'

# --- 443 -> 4443 bridging: the right backend, Host as configured
r=$(tget lyncweb.example.com '/lync?a=1')
expect_match "lyncweb over TLS reaches the TLS backend, Host preserved" "$r" '^backend=TLS host=lyncweb.example.com uri=/lync\?a=1 '
expect_match "the backend gets X-Forwarded-Proto https and X-Forwarded-For" "$r" ' xff=127.0.0.1 xfp=https '
expect_match "rpxd sends the configured SNI to the backend" "$r" ' sni=fe01.corp.local '
expect_match "rpxd speaks TLS 1.2+ to the backend" "$r" ' proto=TLSv1\.[23] '
expect_match "no client certificate unless configured" "$r" ' client= '
expect_match "rpxd offers ALPN http/1.1 to the backend" "$r" ' alpn=http/1.1 '
reused=0
for i in 1 2 3 4 5 6; do
	case $(tget lyncweb.example.com "/besess$i") in
	*" reused=r "*) reused=$((reused + 1));;
	esac
done
check "backend TLS sessions are resumed (per-worker cache: $reused of 6)" \
    test "$reused" -ge 1
r=$(tget meet.example.com /meet)
expect_match "meet over TLS reaches the TLS backend" "$r" '^backend=TLS host=meet.example.com uri=/meet '
r=$(tget dialin.example.com /dial)
expect_match "host-header rewrite over TLS seen by the backend" "$r" '^backend=TLS host=fe01.corp.local uri=/dial .*xfh=dialin.example.com'
r=$(tget lyncdiscover.example.com /disc)
expect_match "a backend named by IP verifies the IP SAN and sends no SNI" "$r" '^backend=TLS host=lyncdiscover.example.com uri=/disc .* sni= '
r=$(tget owa.example.com /owa/)
expect_match "client-certificate: the backend sees rpxd's client certificate" "$r" '^backend=TLS host=owa.example.com .* client=CN=rpxd test client '
r=$(tget a.wild.example.com /w)
expect_match "wildcard host over TLS reaches the plain backend" "$r" '^backend=A host=a.wild.example.com uri=/w .*xfp=https '
tok=$(head -c 45000 /dev/urandom | base64 -w0)
expect "a 60 KB Negotiate header passes over TLS to the TLS backend" \
    "$(tstatus lyncweb.example.com /neg -H "Authorization: Negotiate $tok")" 200
r=$(tget b.wild.example.com /1m.bin | sha256sum | cut -d' ' -f1)
expect "a 1 MiB response over TLS arrives intact" "$r" "$(sha256sum < "$WORK/nginx/1m.bin" | cut -d' ' -f1)"
head -c 3145728 /dev/urandom > "$WORK/tls-up.bin"
c=$(tstatus meet.example.com /dav/tls-up.bin -T "$WORK/tls-up.bin")
check "a 3 MiB upload over TLS is stored (PUT $c)" test "$c" = 201 -o "$c" = 204
r=$(tget meet.example.com /dav/tls-up.bin | sha256sum | cut -d' ' -f1)
expect "the 3 MiB upload over TLS arrived intact" "$r" "$(sha256sum < "$WORK/tls-up.bin" | cut -d' ' -f1)"
r=$(curl -s --max-time 10 --cacert "$P/ca.pem" \
    --resolve lyncweb.example.com:443:127.0.0.1 -o /dev/null \
    -w '%{http_code}/%{num_connects} ' https://lyncweb.example.com/ka1 \
    -o /dev/null https://lyncweb.example.com/ka2)
expect "keep-alive: a second request reuses the TLS connection" "$r" "200/1 200/0 "
r=$(tget lyncweb.example.com /hsts -D - -o /dev/null | tr -d '\r' |
    grep -i '^strict-transport-security:')
expect_match "hsts = 31536000 sends Strict-Transport-Security" "$r" '^[Ss]trict-[Tt]ransport-[Ss]ecurity: max-age=31536000$'
check "access log line for a TLS request" \
    tls_log_has 'access client=127.0.0.1:[0-9]* listener=https host=meet.example.com method=GET path=/meet status=200 .*route=lync backend=fe server=127.0.0.1:4443'

# --- Host versus SNI
expect "Host differing from SNI (other certificate) gets 421" \
    "$(tstatus lyncweb.example.com /mis -H 'Host: owa.example.com')" 421
expect "Host differing from SNI (same certificate) gets 421" \
    "$(tstatus meet.example.com /mis -H 'Host: lyncweb.example.com')" 421
sleep 0.3
check "421 is logged" tls_log_has 'request: client 127.0.0.1:[0-9]* .*421 Misdirected Request'
expect "Host equal to SNI but for case and :443 is not misdirected" \
    "$(tstatus lyncweb.example.com /case -H 'Host: LyncWeb.Example.COM:443')" 200
r=$(curl -s --max-time 10 -k -H 'Host: meet.example.com' https://127.0.0.1/nosni)
expect_match "a client without SNI is routed by Host" "$r" '^backend=TLS host=meet.example.com uri=/nosni '

# --- backend certificate verification
while read -r path be port why; do
	expect "backend with $why gives 502" \
	    "$(tstatus meet.example.com "/$path/x")" 502
	sleep 0.3
	check "backend with $why is logged with the reason" tls_log_has \
	    "backend: client 127.0.0.1:[0-9]*: backend \"$be\" server 127.0.0.1:$port: TLS handshake failed: certificate verify failed: $why"
done <<'CASES'
expired fe-expired 4444 certificate has expired
wrongname fe-wrongname 4445 hostname mismatch
unknownca fe-unknownca 4446 unable to get local issuer certificate
CASES
r=$(tget meet.example.com /noverify/x)
expect_match "verify = no reaches a backend with an unknown CA" "$r" '^backend=TLS-unknown host=meet.example.com uri=/noverify/x'
check "verify = no is logged at load" \
    tls_log_has 'config: backend "noverify": verify = no: server certificates are not checked'

# --- plain 80 next to 443: bridging to 8080, redirect to https
r=$(curl -s --max-time 10 --resolve meet.example.com:80:127.0.0.1 http://meet.example.com/plain)
expect_match "80 -> 8080 alongside the TLS listener" "$r" '^backend=A host=meet.example.com uri=/plain .*xfp=http '
loc() {	# URL: "status location" of a plain request to rpxd's port 80
	local h=${1#http://}
	h=${h%%/*}
	curl -s --max-time 10 --resolve "$h:80:127.0.0.1" -D - -o /dev/null "$1" |
	    tr -d '\r' | awk 'NR == 1 {s=$2} tolower($1) == "location:" {l=$2}
		END {print s, l}'
}
expect "redirect-https: 308 to the same host, path and query" \
    "$(loc 'http://lyncweb.example.com/path?q=1')" "308 https://lyncweb.example.com/path?q=1"
expect "redirect-port puts the port in the Location" \
    "$(loc 'http://owa.example.com/owa/?a=b')" "308 https://owa.example.com:8443/owa/?a=b"
r=$(curl -s --max-time 10 -L --cacert "$P/ca.pem" \
    --resolve lyncweb.example.com:80:127.0.0.1 \
    --resolve lyncweb.example.com:443:127.0.0.1 \
    http://lyncweb.example.com/follow)
expect_match "a browser following the redirect lands on the TLS backend" "$r" '^backend=TLS host=lyncweb.example.com uri=/follow '
r=$(curl -s --max-time 10 -L --cacert "$P/ca.pem" \
    --resolve owa.example.com:80:127.0.0.1 \
    --resolve owa.example.com:8443:127.0.0.1 \
    'http://owa.example.com/owa/?x=1')
expect_match "... and following redirect-port lands on the 8443 listener" "$r" '^backend=A host=owa.example.com:8443 uri=/owa/\?x=1 .*xfp=https '

# --- session resumption across workers (shared ticket keys) and reloads
# tls_req VERSION SESS_OPT FILE PATH: one request over s_client; prints
# "New|Reused, TLSv1.x, STATUS"
tls_req() {
	printf 'GET %s HTTP/1.1\r\nHost: lyncweb.example.com\r\nConnection: close\r\n\r\n' "$4" |
	    timeout 10 openssl s_client -connect 127.0.0.1:443 \
	    -servername lyncweb.example.com "$1" "$2" "$3" -ign_eof 2>/dev/null |
	    awk '/^(New|Reused), / {s=$1 " " $2} /^HTTP\/1.1 / {c=$2}
		END {print s, c}'
}
# held_req VERSION FILE PATH: like tls_req, but holds the connection (and
# so its worker) for 1.5 s before the request; run several at once
held_req() {
	(sleep 1.5; printf 'GET %s HTTP/1.1\r\nHost: lyncweb.example.com\r\nConnection: close\r\n\r\n' "$3") |
	    timeout 10 openssl s_client -connect 127.0.0.1:443 \
	    -servername lyncweb.example.com "$1" -sess_in "$2" -ign_eof \
	    2>/dev/null | awk '/^(New|Reused), / {s=$1 " " $2}
		/^HTTP\/1.1 / {c=$2} END {print s, c}'
}
# pid_of PATH: the worker pid in the access line of that request
pid_of() {
	grep "listener=https host=lyncweb.example.com method=GET path=$1 " \
	    "$WORK/rpxd.log" | sed -n 's/.* pid=\([0-9]*\).*/\1/p' | tail -1
}
for v in 1_2 1_3; do
	V=TLSv${v/_/.}
	rm -f "$WORK/sess$v.pem"
	expect "TLS $V first connection is a new session" \
	    "$(tls_req "-tls$v" -sess_out "$WORK/sess$v.pem" "/res$v-0")" "New, $V, 200"
	ok=0
	for i in 1 2 3 4 5 6; do
		r=$(tls_req "-tls$v" -sess_in "$WORK/sess$v.pem" "/res$v-$i")
		[ "$r" = "Reused, $V, 200" ] && ok=$((ok + 1))
	done
	expect "TLS $V: 6 later connections all resume" "$ok" 6
	held=()
	for i in 1 2 3; do
		held_req "-tls$v" "$WORK/sess$v.pem" "/held$v-$i" > "$WORK/held$v-$i" &
		held+=($!)
	done
	wait "${held[@]}"
	r=$(cat "$WORK/held$v-1" "$WORK/held$v-2" "$WORK/held$v-3" | sort | uniq -c | tr -s ' ')
	expect "TLS $V: 3 connections held at once all resume" "$r" " 3 Reused, $V, 200"
	pids=$(for i in 1 2 3; do pid_of "/held$v-$i"; done | sort -u | wc -l)
	expect "TLS $V: those 3 connections were served by 3 different workers" "$pids" 3
done
old=$(workers | tr '\n' ' ')
nv=$(tls_log_count 'config: backend "noverify": verify = no')
kill -HUP "$RPXD_PID"
sleep 2
check "SIGHUP: a new generation serves" tls_log_has 'reload: generation [0-9]* serving'
check "verify = no is logged again at the reload" \
    test "$(tls_log_count 'config: backend "noverify": verify = no')" -gt "$nv"
for v in 1_2 1_3; do
	V=TLSv${v/_/.}
	expect "TLS $V: a session from before SIGHUP resumes after it" \
	    "$(tls_req "-tls$v" -sess_in "$WORK/sess$v.pem" "/hup$v")" "Reused, $V, 200"
	p=$(pid_of "/hup$v")
	case " $old " in
	*" $p "*|"  ") fail "TLS $V: ... on a worker of the new generation" \
	    "pid '$p', old workers $old";;
	*) pass "TLS $V: ... on a worker of the new generation";;
	esac
done

# A reload with a key that does not match its certificate is refused and
# the running configuration keeps serving TLS.
EXTRA_CERTS="certificate \"$P/lync-soon.pem\" { key = \"$P/stray.key\" }"
tls_conf > "$WORK/tls.conf"
unset EXTRA_CERTS
kill -HUP "$RPXD_PID"
sleep 1.5
check "a reload with a mismatched key is logged with file:line" tls_log_has \
    "$WORK/tls.conf:[0-9]*: listener \"https\": certificate \"$P/lync-soon.pem\": key does not match the certificate"
check "... and the running configuration stays" \
    tls_log_has 'reload: failed; keeping the running configuration'
r=$(tget lyncweb.example.com /after-bad-reload)
expect_match "... and TLS still serves" "$r" '^backend=TLS host=lyncweb.example.com uri=/after-bad-reload '
stop_rpxd

# --- load-time checks: rpxd -n on variants of the configuration
tls_conf > "$WORK/tls-ok.conf"
out=$("$TOP/rpxd" -n -f "$WORK/tls-ok.conf" 2>&1); rc=$?
expect "rpxd -n accepts the TLS configuration" "$rc" 0
check "... and finds every route host covered by a certificate" \
    test -z "$(printf '%s\n' "$out" | grep 'not covered')"

# n_check FILE NAME CERT KEY WANT_RC REGEX: rpxd -n with one more
# certificate (cert and key on one line, so an error's line is that line);
# errors must say file:line, warnings at least name the certificate
n_check() {
	local f="$WORK/tls-$1.conf" line where at=
	EXTRA_CERTS="certificate \"$3\" { key = \"$4\" }" tls_conf > "$f"
	line=$(grep -n -F "certificate \"$3\" {" "$f" | cut -d: -f1)
	out=$("$TOP/rpxd" -n -f "$f" 2>&1); rc=$?
	if [ "$5" = 0 ]; then
		expect "rpxd -n: $2: accepted" "$rc" 0
		where="(^|[ :])"
	else
		check "rpxd -n: $2: refused (exit $rc)" test "$rc" -ne 0
		where="$f:$line: "
		at=" at file:line"
	fi
	expect_match "rpxd -n: $2: says so$at" "$out" \
	    "${where}listener \"https\": certificate \"$3\": $6"
}
n_check nocert "missing certificate file" "$P/missing.pem" "$P/lync-rsa.key" 1 ''
n_check nokey "missing key file" "$P/lync-soon.pem" "$P/missing.key" 1 '.*missing.key'
n_check mismatch "mismatched key" "$P/lync-soon.pem" "$P/stray.key" 1 'key does not match the certificate'
n_check expired "expired certificate" "$P/lync-expired.pem" "$P/lync-expired.key" 1 'expired on '
n_check future "certificate not valid yet" "$P/lync-future.pem" "$P/lync-future.key" 1 'not valid before '
n_check soon "certificate expiring in 10 days warns" "$P/lync-soon.pem" "$P/lync-soon.key" 0 'expires on .*\(in (9|10) days\)'

EXTRA_TLS_ROUTES='route "extra" { host = { "extra.example.com" } backend = "siteA" }'
tls_conf > "$WORK/tls-uncovered.conf"
unset EXTRA_TLS_ROUTES
out=$("$TOP/rpxd" -n -f "$WORK/tls-uncovered.conf" 2>&1); rc=$?
expect "rpxd -n: a route host no certificate covers is only a warning" "$rc" 0
expect_match "rpxd -n: ... which names the route and the host" "$out" \
    'listener "https": route "extra": host "extra.example.com" is not covered by any certificate'
sed 's/^tls-ticket-rotation = 3600$/tls-ticket-rotation = 10/' \
    "$WORK/tls-ok.conf" > "$WORK/tls-rotation.conf"
out=$("$TOP/rpxd" -n -f "$WORK/tls-rotation.conf" 2>&1); rc=$?
check "rpxd -n: tls-ticket-rotation below 60 s is refused (exit $rc)" test "$rc" -ne 0
expect_match "rpxd -n: ... at file:line" "$out" "$WORK/tls-rotation.conf:[0-9]+:.*tls-ticket-rotation"

# rpxd itself (not only -n) refuses to start on a bad certificate.
out=$(timeout 10 "$TOP/rpxd" -d -f "$WORK/tls-mismatch.conf" \
    -W "$TOP/rpxd-worker" 2>&1); rc=$?
check "rpxd refuses to start with a mismatched key (exit $rc)" test "$rc" -ne 0 -a "$rc" -ne 124
expect_match "... and says which certificate" "$out" 'key does not match the certificate'
