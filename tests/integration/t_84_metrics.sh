# Metrics (issue 17): rpxctl metrics in the Prometheus text format, and a
# metrics listener that serves the same text on GET /metrics from a
# worker. Traffic with known answers (200s, a 404 no route matches, a
# 502 from a backend that is down, TLS requests and a resumption, plain
# HTTP to the TLS port, a client a PROXY listener refuses, NTLM logins),
# then exact counts: requests by status class, the bytes curl says it
# sent and received, server failures, TLS handshakes and failures, the
# key service's round trips, refusals, NTLM results. Workers retire
# after two connections (max-connections-per-worker) and a reload comes
# in the middle: the counts must still add up. promtool (Debian's
# prometheus) checks the text; the listener answers 404 elsewhere than
# /metrics and closes a client outside metrics-from (127.0.0.2).
. "$IT/tls_pki.sh"
make_pki "$WORK/pki" || fail "the test PKI is made"
P=$WORK/pki
MX_MARK=0
[ -f "$WORK/rpxd.log" ] && MX_MARK=$(wc -l < "$WORK/rpxd.log")
mx_log() { tail -n "+$((MX_MARK + 1))" "$WORK/rpxd.log"; }
mx_ctl() { "$TOP/rpxctl" -s "$WORK/rpxd.sock" "$@"; }
# mx_value TEXT SERIES: the value of one sample (the series as printed).
mx_value() {
	awk -v s="$2" 'index($0, s " ") == 1 { print substr($0, length(s) + 2) }' \
	    <<<"$1"
}
# mx_wait SERIES WANT: rpxctl metrics until the sample has that value (a
# worker counts a request just after its last byte left), at most 5 s;
# prints the last value seen.
mx_wait() {
	local v="" i
	for ((i = 0; i < 50; i++)); do
		v=$(mx_value "$(mx_ctl metrics)" "$1")
		[ "$v" = "$2" ] && break
		sleep 0.1
	done
	printf '%s' "$v"
}
mx_families() { sed -n 's/^# TYPE \([^ ]*\) .*/\1/p' | sort; }

nt_hash() {	# password: the NT hash, as rpxd.conf(5) says to make it
	printf '%s' "$1" | iconv -t UTF-16LE |
	    openssl dgst -md4 -provider legacy -provider default | sed 's/.*= //'
}
echo "alice:RPXTEST:$(nt_hash 'Alice-pw-7')" > "$WORK/mx-ntlm-users"
chmod 600 "$WORK/mx-ntlm-users"

mx_conf() {	# the site route's backend server
	base_conf 2 4 16
	cat <<CONF
max-connections-per-worker = 2
ntlm-users = "$WORK/mx-ntlm-users"
ntlm-domain = "RPXTEST"
auth-failure-limit = 2
auth-failure-delay = 1
backend "A" {
	server = { "127.0.0.1:$1" }
	health-check { path = "/small.txt" interval = 1 timeout = 1 }
}
backend "down" { server = { "127.0.0.1:9" } }
listener "http" {
	address = "127.0.0.1"
	port = 80
	route "down" { host = { "example.com" } path = "/down/*" backend = "down" }
	route "ntlm" { host = { "ntlm.example.com" } backend = "A" auth = "ntlm" }
	route "site" { host = { "example.com" } backend = "A" }
}
listener "https" {
	address = "127.0.0.1"
	port = 443
	tls { certificate "$P/lync-rsa.pem" { key = "$P/lync-rsa.key" } }
	route "meet" { host = { "meet.example.com" } backend = "A" }
}
listener "pp" {
	address = "127.0.0.1"
	port = 8444
	proxy-protocol = true
	proxy-protocol-from = { "10.0.0.0/8" }
	route "all" { backend = "A" }
}
listener "metrics" {
	address = "127.0.0.1"
	port = 9187
	metrics = true
	metrics-from = { "127.0.0.1" }
}
CONF
}

mx_conf 8080 > "$WORK/metrics.conf"
start_rpxd "$WORK/metrics.conf" || fail "rpxd starts with a metrics listener"

# curl's own count of the bytes of each exchange: sent (request head and
# body) and received (response head and body).
MX_IN=0
MX_OUT=0
MX_CODE=
mx_get() {	# URL [curl options]: MX_CODE; adds to MX_IN and MX_OUT
	local r
	r=$(curl -s -o /dev/null --max-time 10 \
	    -w '%{http_code} %{size_request} %{size_header} %{size_download}' \
	    "$@")
	set -- $r
	MX_CODE=$1
	MX_IN=$((MX_IN + $2))
	MX_OUT=$((MX_OUT + $3 + $4))
}

before=$(workers | tr '\n' ' ')
r=""
for _ in 1 2 3; do
	mx_get -H 'Host: example.com' http://127.0.0.1/small.txt
	r="$r $MX_CODE"
done
expect "three requests to the site get 200" "$r" " 200 200 200"
site_in=$MX_IN
site_out=$MX_OUT
expect "a host no route publishes gets 404 (twice)" \
    "$(status_of -H 'Host: nowhere.example.com' http://127.0.0.1/ ;
    status_of -H 'Host: nowhere.example.com' http://127.0.0.1/x)" "404404"
expect "a backend that is down gets 502" \
    "$(status_of -H 'Host: example.com' http://127.0.0.1/down/x)" 502
TLS_CURL=(--cacert "$P/ca.pem" --resolve meet.example.com:443:127.0.0.1)
expect "a TLS request gets 200" \
    "$(status_of "${TLS_CURL[@]}" https://meet.example.com/small.txt)" 200
# One full handshake and one resumed, with the session openssl saved.
openssl s_client -connect 127.0.0.1:443 -servername meet.example.com \
    -CAfile "$P/ca.pem" -tls1_2 -sess_out "$WORK/mx.sess" </dev/null \
    >/dev/null 2>&1
out=$(openssl s_client -connect 127.0.0.1:443 -servername meet.example.com \
    -CAfile "$P/ca.pem" -tls1_2 -sess_in "$WORK/mx.sess" </dev/null 2>&1)
expect_match "openssl resumes the saved session" "$out" "Reused, TLSv1.2"
expect "plain HTTP to the TLS port gets 400" \
    "$(status_of http://127.0.0.1:443/)" 400

expect "a PROXY listener closes a client outside proxy-protocol-from" \
    "$(status_of http://127.0.0.1:8444/)" 000

# NTLM logins the master checks: one good, two bad (the limit), then the
# good password refused unchecked.
ntlm_get() {	# password: the status curl --ntlm ends with
	status_of -H 'Host: ntlm.example.com' --ntlm -u "RPXTEST\\alice:$1" \
	    http://127.0.0.1/whoami
}
expect "NTLM: alice logs in, two wrong passwords, then the limit" \
    "$(ntlm_get Alice-pw-7) $(ntlm_get wrong) $(ntlm_get wrong) $(ntlm_get Alice-pw-7)" \
    "200 401 401 401"

m=$(mx_ctl metrics)
expect "rpxctl metrics exits 0" "$?" 0
expect "site: 200s counted" "$(mx_wait \
    'rpxd_requests_total{listener="http",route="site",code="2xx"}' 3)" 3
expect "no route: 404s counted under an empty route" "$(mx_wait \
    'rpxd_requests_total{listener="http",route="",code="4xx"}' 2)" 2
expect "down: the 502 counted" "$(mx_wait \
    'rpxd_requests_total{listener="http",route="down",code="5xx"}' 1)" 1
expect "TLS: the 200 counted on its listener" "$(mx_wait \
    'rpxd_requests_total{listener="https",route="meet",code="2xx"}' 1)" 1
m=$(mx_ctl metrics)
expect "site: no other class counted" \
    "$(for c in 1xx 3xx 4xx 5xx; do mx_value "$m" "rpxd_requests_total{listener=\"http\",route=\"site\",code=\"$c\"}"; done | tr '\n' ' ')" \
    "0 0 0 0 "
expect "site: the bytes curl sent" \
    "$(mx_value "$m" 'rpxd_request_bytes_total{listener="http",route="site"}')" \
    "$site_in"
expect "site: the bytes curl received" \
    "$(mx_value "$m" 'rpxd_response_bytes_total{listener="http",route="site"}')" \
    "$site_out"
expect "the server that is down: one failure" \
    "$(mx_value "$m" 'rpxd_server_failures_total{backend="down",server="127.0.0.1:9"}')" 1
expect "TLS: three handshakes, one resumed" \
    "$(mx_value "$m" rpxd_tls_handshakes_total) $(mx_value "$m" rpxd_tls_resumptions_total)" \
    "3 1"
expect "TLS: plain HTTP counted as a failure" \
    "$(mx_value "$m" 'rpxd_tls_handshake_failures_total{reason="http"}')" 1
expect "key service: one signature per full handshake, none failed" \
    "$(mx_value "$m" rpxd_key_service_round_trip_seconds_count) $(mx_value "$m" rpxd_key_service_failures_total)" \
    "2 0"
expect "key service: every round trip within +Inf" \
    "$(mx_value "$m" 'rpxd_key_service_round_trip_seconds_bucket{le="+Inf"}')" 2
expect "server A: up by its checks" \
    "$(mx_value "$m" 'rpxd_server_up{backend="A",server="127.0.0.1:8080"}')" 1
expect_match "server A: checks counted, none failed" \
    "$(mx_value "$m" 'rpxd_server_checks_total{backend="A",server="127.0.0.1:8080",result="ok"}') $(mx_value "$m" 'rpxd_server_checks_total{backend="A",server="127.0.0.1:8080",result="failed"}')" \
    '^[1-9][0-9]* 0$'
expect "server A: last check status 200" \
    "$(mx_value "$m" 'rpxd_server_check_status{backend="A",server="127.0.0.1:8080"}')" 200
expect "pool: max-workers" "$(mx_value "$m" rpxd_pool_workers_max)" 16
expect "pool: not under pressure, nothing refused by the limits, one PROXY refusal" \
    "$(mx_value "$m" rpxd_pool_pressure) $(for r in per_address pressure_head pressure_idle proxy_protocol; do mx_value "$m" "rpxd_refused_connections_total{reason=\"$r\"}"; done | tr '\n' ' ')" \
    "0 0 0 0 1 "
expect "NTLM: logins ok, failed, locked, unavailable" \
    "$(for r in ok failed locked unavailable; do mx_value "$m" "rpxd_ntlm_logins_total{result=\"$r\"}"; done | tr '\n' ' ')" \
    "1 2 1 0 "
gone=0
for p in $before; do kill -0 "$p" 2>/dev/null || gone=$((gone + 1)); done
check "workers retired meanwhile (max-connections-per-worker = 2)" \
    test "$gone" -gt 0

# promtool, the Prometheus project's own checker (format and naming).
if command -v promtool >/dev/null; then
	out=$(mx_ctl metrics | promtool check metrics 2>&1)
	expect "promtool check metrics passes" "$?:$out" "0:"
else
	fail "promtool check metrics passes" "promtool is missing: run tests/install-deps.sh"
fi
check "every family has HELP and TYPE" \
    test "$(grep -c '^# HELP ' <<<"$m")" -eq "$(grep -c '^# TYPE ' <<<"$m")"

# The metrics listener: the same families, from a worker.
sleep 1.2	# the master publishes the snapshot every second
body=$(curl -s --max-time 10 -D "$WORK/mx-head" http://127.0.0.1:9187/metrics)
expect "metrics listener: GET /metrics gets 200" \
    "$(head -1 "$WORK/mx-head" | tr -d '\r')" "HTTP/1.1 200 OK"
check "metrics listener: text/plain version 0.0.4" \
    grep -qi '^Content-Type: text/plain; version=0.0.4' "$WORK/mx-head"
expect "metrics listener: the families of rpxctl metrics" \
    "$(mx_families <<<"$body" | tr '\n' ' ')" \
    "$(mx_ctl metrics | mx_families | tr '\n' ' ')"
expect "metrics listener: the counts too" \
    "$(mx_value "$body" 'rpxd_requests_total{listener="http",route="site",code="2xx"}')" 3
expect "metrics listener: HEAD /metrics gets 200" \
    "$(status_of -I http://127.0.0.1:9187/metrics)" 200
expect "metrics listener: another path gets 404" \
    "$(status_of http://127.0.0.1:9187/)" 404
expect "metrics listener: POST gets 405" \
    "$(status_of -d x http://127.0.0.1:9187/metrics)" 405
expect "metrics listener: 127.0.0.2 is not in metrics-from: closed" \
    "$(status_of --interface 127.0.0.2 http://127.0.0.1:9187/metrics)" 000
sleep 0.3
check "metrics listener: the refusal is logged" grep -q \
    'metrics: client 127\.0\.0\.2:[0-9]* listener "metrics": not in metrics-from; connection closed' \
    <(mx_log)
expect "metrics listener: the refusal is counted" "$(mx_wait \
    'rpxd_refused_connections_total{reason="metrics_address"}' 1)" 1
expect "metrics listener: its own requests count under its name (404, 405)" \
    "$(mx_wait 'rpxd_requests_total{listener="metrics",route="",code="4xx"}' 2)" 2

# A reload: the series of the same names go on from where they were.
out=$(mx_ctl reload)
expect "reload succeeds" "$?" 0
wait_workers 2 5
r=""
for _ in 1 2; do
	mx_get -H 'Host: example.com' http://127.0.0.1/small.txt
	r="$r $MX_CODE"
done
expect "two more site requests after the reload get 200" "$r" " 200 200"
expect "site: the 200s of both generations add up" "$(mx_wait \
    'rpxd_requests_total{listener="http",route="site",code="2xx"}' 5)" 5
m=$(mx_ctl metrics)
expect "generation 2 after the reload" "$(mx_value "$m" rpxd_generation)" 2
expect "site: the bytes of both generations add up" \
    "$(mx_value "$m" 'rpxd_response_bytes_total{listener="http",route="site"}')" \
    "$MX_OUT"
expect "no route: still 2 (counters do not restart)" \
    "$(mx_value "$m" 'rpxd_requests_total{listener="http",route="",code="4xx"}')" 2

# A reload that moves A to another server: the old server's series go
# once no worker of the old generation is left; routes keep theirs.
mx_conf 8081 > "$WORK/metrics.conf"
mx_ctl reload >/dev/null
for _ in $(seq 50); do	# the old workers stop; the master sees it
	m=$(mx_ctl metrics)
	grep -q 'server="127.0.0.1:8080"' <<<"$m" || break
	sleep 0.1
done
check "the new server has its series" grep -q \
    '^rpxd_server_up{backend="A",server="127.0.0.1:8081"} 1$' <<<"$m"
check "the old server's series are gone" \
    test -z "$(grep 'server="127.0.0.1:8080"' <<<"$m")"
expect "site: the counts stay" \
    "$(mx_value "$m" 'rpxd_requests_total{listener="http",route="site",code="2xx"}')" 5
