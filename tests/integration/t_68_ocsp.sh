# OCSP (issue 16): ocsp-response files are checked at load (parsed, for
# their own certificate, signed by the issuer or its delegated responder,
# good, current; expiring within a day: a warning) and a response is not
# stapled past its nextUpdate. A test PKI with its own intermediate and
# a delegated OCSP responder certificate; responses from `openssl ocsp`
# and, for dates it cannot make, ocsp_response.py. Checked with rpxd -n
# and openssl s_client -status. Takes about 30 s.
. "$IT/tls_pki.sh"
O=$WORK/ocsp
OCSP_PORT=8891
LOG_MARK=0
[ -f "$WORK/rpxd.log" ] && LOG_MARK=$(wc -l < "$WORK/rpxd.log")
ocsp_log() { tail -n "+$((LOG_MARK + 1))" "$WORK/rpxd.log"; }

# ocsp_ext: leaf and responder extensions beside pki_ca_conf's
ocsp_ext() {
	cat <<CNF
[ aialeaf ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid,issuer
subjectAltName = \$ENV::PKI_SAN
authorityInfoAccess = OCSP;URI:http://127.0.0.1:$OCSP_PORT/ocsp
[ responder ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = OCSPSigning
CNF
}

# ocsp_leaf NAME CN EXTENSIONS: NAME.crt, NAME.key, NAME.pem (+ chain)
ocsp_leaf() {
	pki_key rsa "$O/$1.key" || return 1
	openssl req -new -key "$O/$1.key" -subj "/CN=$2" -out "$O/$1.csr" \
	    2>/dev/null || return 1
	PKI_SAN="DNS:$2" PKI_KU=digitalSignature openssl ca -batch -notext \
	    -config "$O/int/ca.cnf" -extensions "$3" -in "$O/$1.csr" \
	    -out "$O/$1.crt" -days 365 >"$O/int/$1.log" 2>&1 || return 1
	cat "$O/$1.crt" "$O/int/int.crt" > "$O/$1.pem"
}

ocsp_pki() {
	local PKI_SAN=DNS:unused.invalid PKI_KU=digitalSignature
	export PKI_SAN PKI_KU
	mkdir -p "$O/int/new" && chmod 755 "$O" || return 1
	: > "$O/int/index.txt"
	echo 1000 > "$O/int/serial"
	{ pki_ca_conf "$O"; ocsp_ext; } > "$O/int/ca.cnf"
	pki_key rsa "$O/ca.key" || return 1
	openssl req -x509 -new -key "$O/ca.key" -subj "/CN=rpxd ocsp root" \
	    -days 3650 -addext "basicConstraints=critical,CA:TRUE" \
	    -addext "keyUsage=critical,keyCertSign,cRLSign" \
	    -out "$O/ca.pem" 2>/dev/null || return 1
	pki_key rsa "$O/int/int.key" || return 1
	openssl req -new -key "$O/int/int.key" -subj "/CN=rpxd ocsp int" \
	    -out "$O/int/int.csr" 2>/dev/null || return 1
	openssl x509 -req -in "$O/int/int.csr" -CA "$O/ca.pem" \
	    -CAkey "$O/ca.key" -set_serial "0x$(openssl rand -hex 16)" \
	    -days 3650 -extfile "$O/int/ca.cnf" -extensions subca \
	    -out "$O/int/int.crt" 2>/dev/null || return 1
	ocsp_leaf site ocsp.example.com aialeaf || return 1
	ocsp_leaf other other.example.com aialeaf || return 1
	ocsp_leaf responder "rpxd ocsp responder" responder || return 1
	# a key that signs responses nobody delegated to it
	openssl req -x509 -new -key "$O/other.key" -subj "/CN=forger" \
	    -days 30 -out "$O/forger.crt" 2>/dev/null || return 1
	chmod 644 "$O"/*.key
}

# ocsp_make OUT CERT STATUS FROM TO [SIGNER]: ocsp_response.py with the
# delegated responder (or SIGNER: "forger") as the signer
ocsp_make() {
	local s=${6:-responder}
	python3 "$IT/ocsp_response.py" "$O/$1" "$O/$2.crt" "$O/int/int.crt" \
	    "$O/$s.crt" "$O/${s/forger/other}.key" "$3" "$4" "$5"
}

# ocsp_conf RESPONSE_FILE [EXTRA certificate options]
ocsp_conf() {
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
		certificate "$O/site.pem" {
			key = "$O/site.key"
			ocsp-response = "$1"
			${2:-}
		}
	}
	route "a" { host = { "ocsp.example.com" } backend = "siteA" }
}
CONF
}

# status_line: what s_client -status shows of the stapled response
stapled() {
	timeout 10 openssl s_client -connect 127.0.0.1:443 -status \
	    -servername ocsp.example.com -CAfile "$O/ca.pem" </dev/null \
	    2>/dev/null | grep -E 'OCSP Response Status|Cert Status|OCSP response: no response sent' |
	    tr -s ' \n' ' '
}

# stapled_soon REGEX: what stapled says once it matches REGEX, or after
# 5 s. The master logs a fetched answer, then tells the workers: each
# applies it when it next reads the master's socket, not all at once.
stapled_soon() {
	local st
	for _ in $(seq 1 10); do
		st=$(stapled)
		[[ $st =~ $1 ]] && break
		sleep 0.5
	done
	printf '%s' "$st"
}

# rpxd_n FILE_IN_O: rpxd -n's output for a configuration stapling it
rpxd_n() {
	ocsp_conf "$O/$1" > "$WORK/ocsp.conf"
	"$TOP/rpxd" -n -f "$WORK/ocsp.conf" 2>&1
}

ocsp_pki || fail "the OCSP test PKI is made"
line=$(ocsp_conf x | grep -n 'ocsp-response' | cut -d: -f1)

# --- load-time checks
head -c 700 /dev/urandom > "$O/garbage.ocsp"
out=$(rpxd_n garbage.ocsp)
expect_match "rpxd -n: a file that is not DER is an error naming file and line" \
    "$out" "ocsp.conf:$line: ocsp-response: $O/garbage.ocsp: not a DER OCSP response"
check "rpxd -n: a garbage response fails the check" \
    bash -c "! '$TOP/rpxd' -n -f '$WORK/ocsp.conf' 2>/dev/null"

ocsp_make other.ocsp other good -60 86400 >/dev/null 2>&1 ||
    fail "a response for another certificate is made"
out=$(rpxd_n other.ocsp)
expect_match "rpxd -n: another certificate's response is an error" \
    "$out" "ocsp.conf:$line: ocsp-response: $O/other.ocsp: holds no response for this certificate"

ocsp_make expired.ocsp site good -172800 -3600 ||
    fail "an expired response is made"
out=$(rpxd_n expired.ocsp)
expect_match "rpxd -n: a response past its nextUpdate is an error" \
    "$out" "ocsp.conf:$line: ocsp-response: $O/expired.ocsp: expired on .*nextUpdate"

ocsp_make forged.ocsp site good -60 86400 forger ||
    fail "a response signed by a stranger is made"
out=$(rpxd_n forged.ocsp)
expect_match "rpxd -n: a response the issuer did not sign is an error" \
    "$out" "ocsp.conf:$line: ocsp-response: $O/forged.ocsp: the signature is not the issuer's"

ocsp_make revoked.ocsp site revoked -60 86400 ||
    fail "a revoked response is made"
out=$(rpxd_n revoked.ocsp)
expect_match "rpxd -n: a revoked status is an error" \
    "$out" "ocsp.conf:$line: ocsp-response: $O/revoked.ocsp: the certificate is REVOKED"
expect_match "rpxd -n: ... and said loudly" \
    "$out" "certificate $O/site.pem is REVOKED according to its OCSP response"

ocsp_make soon.ocsp site good -60 7200 || fail "a response expiring in 2 h is made"
out=$(rpxd_n soon.ocsp)
expect_match "rpxd -n: a response that expires within a day is a warning" \
    "$out" "ocsp.conf:$line: ocsp-response: $O/soon.ocsp: expires on .*in less than a day.*configuration OK"

# --- stapled while current, never past its nextUpdate
ocsp_make short.ocsp site good -60 12 || fail "a response valid 12 s is made"
ocsp_conf "$O/short.ocsp" > "$WORK/ocsp.conf"
start_rpxd "$WORK/ocsp.conf" || fail "rpxd starts with a checked response"
expect_match "a checked response (delegated responder) is stapled, good" \
    "$(stapled)" "OCSP Response Status: successful.*Cert Status: good"
sleep 13
expect_match "past its nextUpdate the response is no longer stapled" \
    "$(stapled)" "OCSP response: no response sent"
stapled >/dev/null
expect "rpxd says once that the response expired and is not stapled" \
    "$(ocsp_log | grep -c 'ocsp: listener "https": certificate .*site.pem: the OCSP response expired on .*no longer stapled')" 1
stop_rpxd

# --- ocsp-fetch: a real responder (openssl ocsp) on loopback, signing
# with the delegated responder certificate
RESP_PID=
# Ready when it says so: a probe connection that sends nothing would
# hold up `openssl ocsp`, which serves one connection at a time.
responder_start() {
	local i before
	before=$(grep -c 'waiting for OCSP client' "$O/responder.log" 2>/dev/null)
	# OpenSSL 3.0 takes a port only; run.sh's callers give the tests
	# a network namespace with loopback alone
	openssl ocsp -index "$O/int/index.txt" -port "$OCSP_PORT" \
	    -rsigner "$O/responder.crt" -rkey "$O/responder.key" \
	    -CA "$O/int/int.crt" -nmin 20 >>"$O/responder.log" 2>&1 &
	RESP_PID=$!
	EXTRA_PIDS+=("$RESP_PID")
	for ((i = 0; i < 50; i++)); do
		[ "$(grep -c 'waiting for OCSP client' "$O/responder.log")" \
		    -gt "${before:-0}" ] && return 0
		sleep 0.1
	done
	return 1
}
responder_stop() {
	[ -n "$RESP_PID" ] && kill "$RESP_PID" 2>/dev/null
	wait "$RESP_PID" 2>/dev/null
	RESP_PID=
}
# wait_log REGEX SECONDS: until rpxd has logged it since this test began
wait_log() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		ocsp_log | grep -q -- "$1" && return 0
		sleep 0.1
	done
	return 1
}
fetch_conf() {	# [ocsp-response file] [more options]
	ocsp_conf "${1:-}" "ocsp-fetch = true ${2:-}" |
	    sed '/ocsp-response = ""/d'
}

fetch_conf > "$WORK/ocsp.conf"
out=$("$TOP/rpxd" -n -f "$WORK/ocsp.conf" 2>&1)
expect_match "rpxd -n accepts ocsp-fetch with the responder of the AIA" \
    "$out" "configuration OK"
ocsp_conf "" "ocsp-responder = \"http://127.0.0.1:9/\"" |
    sed '/ocsp-response = ""/d' > "$WORK/ocsp-bad.conf"
out=$("$TOP/rpxd" -n -f "$WORK/ocsp-bad.conf" 2>&1)
expect_match "ocsp-responder without ocsp-fetch is an error" "$out" \
    "ocsp-bad.conf:[0-9]*: .*ocsp-responder: only with ocsp-fetch = true"

# Started with the responder down: no response, retried with back-off;
# once the responder is up the next try gets one and it is stapled.
LOG_MARK=$(wc -l < "$WORK/rpxd.log")
start_rpxd "$WORK/ocsp.conf" || fail "rpxd starts with ocsp-fetch"
check "with the responder down, the fetch fails and says so" \
    wait_log "ocsp: listener \"https\": certificate $O/site.pem: fetch from http://127.0.0.1:$OCSP_PORT/ocsp failed: connect: Connection refused; no response to staple; next try in 5 s" 5
expect_match "nothing is stapled before a response was fetched" \
    "$(stapled)" "OCSP response: no response sent"
responder_start || fail "the OCSP responder starts on $OCSP_PORT"
check "the retry fetches a good response from the live responder" \
    wait_log "certificate $O/site.pem: a new OCSP response from http://127.0.0.1:$OCSP_PORT/ocsp, good, next update .*; stapled; next fetch in" 20
expect_match "the fetched response is stapled by the running workers, good" \
    "$(stapled_soon "OCSP Response Status: successful.*Cert Status: good")" "OCSP Response Status: successful.*Cert Status: good"
stop_rpxd

# A response past half its validity is refreshed at start; with the
# responder down the last good one stays stapled.
responder_stop
ocsp_make stale.ocsp site good -7000 3600 || fail "a stale response is made"
fetch_conf "$O/stale.ocsp" > "$WORK/ocsp.conf"
LOG_MARK=$(wc -l < "$WORK/rpxd.log")
start_rpxd "$WORK/ocsp.conf" || fail "rpxd starts with a stale response"
check "responder down: the last good response stays, and the log says so" \
    wait_log "certificate $O/site.pem: fetch from http://127.0.0.1:$OCSP_PORT/ocsp failed: connect: Connection refused; the last good response stays stapled (until " 5
expect_match "responder down: the last good response is still stapled" \
    "$(stapled)" "OCSP Response Status: successful.*Cert Status: good"
stop_rpxd

# A responder that answers garbage (ocsp-responder overrides the AIA):
# the last good response stays.
python3 -c '
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        body = b"<html>not an OCSP response</html>"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
' $((OCSP_PORT + 1)) &
junk_pid=$!
EXTRA_PIDS+=("$junk_pid")
wait_port 127.0.0.1 $((OCSP_PORT + 1)) 5
fetch_conf "$O/stale.ocsp" \
    "ocsp-responder = \"http://127.0.0.1:$((OCSP_PORT + 1))/junk\"" \
    > "$WORK/ocsp.conf"
LOG_MARK=$(wc -l < "$WORK/rpxd.log")
start_rpxd "$WORK/ocsp.conf" || fail "rpxd starts with ocsp-responder"
check "a garbage answer is refused and the last good response stays" \
    wait_log "fetch from http://127.0.0.1:$((OCSP_PORT + 1))/junk failed: a bad answer: not a DER OCSP response; the last good response stays stapled" 5
expect_match "after a garbage answer the last good response is still stapled" \
    "$(stapled)" "OCSP Response Status: successful.*Cert Status: good"
stop_rpxd
kill "$junk_pid" 2>/dev/null

# The responder says "revoked": logged loudly, nothing stapled any more.
PKI_SAN=DNS:unused.invalid PKI_KU=digitalSignature openssl ca \
    -config "$O/int/ca.cnf" -revoke "$O/site.crt" >/dev/null 2>&1 ||
    fail "the site certificate is revoked in the CA's index"
responder_start || fail "the OCSP responder starts again"
fetch_conf "$O/stale.ocsp" > "$WORK/ocsp.conf"
LOG_MARK=$(wc -l < "$WORK/rpxd.log")
start_rpxd "$WORK/ocsp.conf" || fail "rpxd starts with a revoked certificate"
check "a revoked answer is logged loudly" \
    wait_log "ocsp: listener \"https\": certificate $O/site.pem is REVOKED according to its OCSP responder http://127.0.0.1:$OCSP_PORT/ocsp .*no OCSP response is stapled for it" 5
expect_match "after a revoked answer no response is stapled" \
    "$(stapled_soon "OCSP response: no response sent")" \
    "OCSP response: no response sent"
stop_rpxd
responder_stop
