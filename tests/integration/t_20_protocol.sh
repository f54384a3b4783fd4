# HTTP/1.1 behaviour on the wire: keep-alive, pipelining, HTTP/1.0,
# 100-continue, strict refusals, timeouts, tunnels and backend failures.
. "$IT/main.conf.sh"
main_conf > "$WORK/main.conf"
start_rpxd "$WORK/main.conf" || fail "rpxd starts"

raw() { python3 "$IT/rawhttp.py" "$@"; }

v=$(curl -sv --max-time 10 -H 'Host: meet.example.com' http://127.0.0.1/1 http://127.0.0.1/2 2>&1)
expect_match "keep-alive: curl reuses the connection" "$v" 'Re-using existing connection'
expect_match "keep-alive: both answers arrive" "$v" 'uri=/1 .*uri=/2 '

r=$(raw --status-only 'GET /p1 HTTP/1.1\r\nHost: meet.example.com\r\n\r\nGET /p2 HTTP/1.1\r\nHost: lyncweb.example.com\r\n\r\nGET /p3 HTTP/1.1\r\nHost: meet.example.com\r\nConnection: close\r\n\r\n')
expect "pipelined requests all answered" "$r" "200 200 200"
r=$(raw 'GET /p1 HTTP/1.1\r\nHost: meet.example.com\r\n\r\nGET /p2 HTTP/1.1\r\nHost: lyncweb.example.com\r\nConnection: close\r\n\r\n' | grep -o 'uri=/p[0-9]' | tr '\n' ' ')
expect "pipelined answers in order" "$r" "uri=/p1 uri=/p2 "

r=$(raw 'GET /ten HTTP/1.0\r\nHost: meet.example.com\r\n\r\n')
expect_match "HTTP/1.0 client served" "$r" '^HTTP/1.1 200 '
expect_match "HTTP/1.0 client gets Connection: close" "$r" 'Connection: close'
r=$(raw 'GET /ten HTTP/1.0\r\n\r\n')
expect "HTTP/1.0 without Host gets 404 when no route takes any host" "$(echo "$r" | head -1 | cut -d' ' -f2)" 404

r=$(curl -s --max-time 10 -H 'Host: dav.example.com' -H 'Expect: 100-continue' -T "$WORK/nginx/1m.bin" -w '%{http_code}' -o /dev/null http://127.0.0.1/expect.bin)
expect "Expect: 100-continue upload" "$r" 201
check "upload stored intact" cmp -s "$WORK/nginx/1m.bin" "$WORK/nginx/dav/expect.bin"
r=$(curl -s --max-time 10 -H 'Host: meet.example.com' http://127.0.0.1/1m.bin | cmp -s - "$WORK/nginx/1m.bin" && echo same)
expect "1 MiB download intact" "$r" same

bad() {	# name expected-status raw-request
	local got
	got=$(raw --status-only "$3")
	expect "$1" "$got" "$2"
}
bad "CL and TE together: 400" 400 'POST / HTTP/1.1\r\nHost: meet.example.com\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'
bad "differing Content-Lengths: 400" 400 'POST / HTTP/1.1\r\nHost: meet.example.com\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello'
bad "bare LF: 400" 400 'GET / HTTP/1.1\nHost: meet.example.com\r\n\r\n'
bad "bare CR: 400" 400 'GET / HTTP/1.1\r\nHost: meet\r.example.com\r\n\r\n'
bad "obs-fold: 400" 400 'GET / HTTP/1.1\r\nHost: meet.example.com\r\nX: a\r\n b\r\n\r\n'
bad "missing Host in 1.1: 400" 400 'GET / HTTP/1.1\r\n\r\n'
bad "repeated Host: 400" 400 'GET / HTTP/1.1\r\nHost: meet.example.com\r\nHost: meet.example.com\r\n\r\n'
bad "space before colon: 400" 400 'GET / HTTP/1.1\r\nHost : meet.example.com\r\n\r\n'
bad "bad chunk size: 400" 400 'POST / HTTP/1.1\r\nHost: meet.example.com\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n'
bad "unknown transfer coding: 501" 501 'POST / HTTP/1.1\r\nHost: meet.example.com\r\nTransfer-Encoding: gzip\r\n\r\n'
bad "HTTP/2.0 request line: 505" 505 'GET / HTTP/2.0\r\nHost: meet.example.com\r\n\r\n'
bad "unknown expectation: 417" 417 'GET / HTTP/1.1\r\nHost: meet.example.com\r\nExpect: magic\r\n\r\n'
bad "CONNECT: 405" 405 'CONNECT meet.example.com:443 HTTP/1.1\r\nHost: meet.example.com:443\r\n\r\n'
long=$(head -c 20000 /dev/zero | tr '\0' a)
bad "request line over max-request-line: 414" 414 "GET /$long HTTP/1.1\r\nHost: meet.example.com\r\n\r\n"
long=$(head -c 90000 /dev/zero | tr '\0' a)
bad "header line over max-header-line: 431" 431 "GET / HTTP/1.1\r\nHost: meet.example.com\r\nX-Big: $long\r\n\r\n"
check "malformed requests are logged" log_has 'request: client 127.0.0.1:[0-9]* listener "http" host .*: 400 Bad Request: '
tok=$(head -c 49152 /dev/urandom | base64 -w0)
r=$(curl -s --max-time 10 -H 'Host: meet.example.com' -H "Authorization: Negotiate $tok" -o /dev/null -w '%{http_code}' http://127.0.0.1/nego)
expect "a 64 KiB Negotiate header line is accepted" "$r" 200

r=$(raw --status-only 'POST /chunked HTTP/1.1\r\nHost: meet.example.com\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5;ext=1\r\nhello\r\n0\r\nX-Trailer: t\r\n\r\n')
expect "chunked body with extension and trailer forwarded" "$r" 200

t0=$(date +%s)
r=$(raw --status-only --pause 1.5 'GET / HTTP/1.1\r\n' 'Host: meet.example.com\r\n' 'X-Slow: 1\r\n' '\r\n')
t1=$(date +%s)
expect "slowloris: head not complete in client-header-timeout gets 408" "$r" 408
check "slowloris: cut within a few seconds" test $((t1 - t0)) -le 5
check "slowloris is logged" log_has '408 Request Timeout: request head not complete'

r=$(python3 "$IT/ws_client.py" 80 | tr '\n' ' ')
expect "WebSocket upgrade tunnelled both ways" "$r" "HTTP/1.1 101 Switching Protocols ping-1 ping-2 "

expect "dead backend: 502" "$(status_of -H 'Host: dead.example.com' http://127.0.0.1/)" 502
check "dead backend logged with backend and server" log_has 'backend "dead" server 127.0.0.1:8099: connect failed'
t0=$(date +%s)
expect "silent backend: 504 after backend-timeout" "$(status_of -H 'Host: ws.example.com' http://127.0.0.1/silent)" 504
t1=$(date +%s)
check "504 within the route's backend-timeout (2 s) plus slack" test $((t1 - t0)) -le 5
check "504 logged" log_has '504 Gateway Timeout: no response within backend-timeout'
