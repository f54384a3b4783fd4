# Routing by Host and path, 404s, Host preserve/rewrite, forwarding headers.
. "$IT/main.conf.sh"
main_conf > "$WORK/main.conf"
start_rpxd "$WORK/main.conf" || fail "rpxd starts on the main configuration"

get() { curl -s --max-time 10 "$@"; }

r=$(get -H 'Host: lyncweb.example.com' http://127.0.0.1/)
expect_match "exact host routes to its backend" "$r" '^backend=A host=lyncweb.example.com uri=/ '
r=$(get -H 'Host: LYNCWEB.example.com:80' http://127.0.0.1/x)
expect_match "host matched case-insensitively, port ignored, Host preserved" "$r" '^backend=A host=LYNCWEB.example.com:80 '
r=$(get -H 'Host: lyncweb.example.com' http://127.0.0.1/Ucwa/v1/applications)
expect_match "path prefix /Ucwa/* routes to its backend" "$r" '^backend=B uri=/Ucwa/v1/applications|^backend=B host=lyncweb.example.com uri=/Ucwa/v1/applications'
r=$(get -H 'Host: lyncweb.example.com' http://127.0.0.1/ucwa/V1)
expect_match "path-case-insensitive matches /ucwa/" "$r" '^backend=B '
r=$(get -H 'Host: lyncweb.example.com' http://127.0.0.1/Ucwa)
expect_match "/Ucwa itself is in the /Ucwa/* prefix" "$r" '^backend=B '
r=$(get -H 'Host: meet.example.com' http://127.0.0.1/Ucwa/x)
expect_match "prefix route applies only to its own host" "$r" '^backend=A '
r=$(get -H 'Host: dialin.example.com' http://127.0.0.1/d)
expect_match "host-header rewrite seen by the backend" "$r" 'host=fe01.corp.local uri=/d .*xfh=dialin.example.com'
r=$(get -H 'Host: a.wild.example.com' http://127.0.0.1/)
expect_match "wildcard host routes" "$r" '^backend=B '
expect "wildcard does not match the bare domain" "$(status_of -H 'Host: wild.example.com' http://127.0.0.1/)" 404
expect "unpublished host gets 404" "$(status_of -H 'Host: nope.example.com' http://127.0.0.1/)" 404
check "404 is logged with its reason" log_has 'request: client 127.0.0.1:.* 404 Not Found: no route'
check "a refused request's access line counts its head" log_has 'host=nope.example.com method=GET path=/ status=404 in=[1-9][0-9]* '
r=$(get -H 'Host: meet.example.com' -H 'X-Forwarded-For: 198.51.100.9' http://127.0.0.1/)
expect_match "X-Forwarded-For appended, X-Forwarded-Proto set" "$r" 'xff=198.51.100.9, 127.0.0.1 xfp=http xfh=meet.example.com'
expect_match "no Connection header reaches the backend" "$r" 'conn=$'
expect "dot segment refused with 400" "$(curl -s -o /dev/null -w '%{http_code}' --path-as-is -H 'Host: lyncweb.example.com' 'http://127.0.0.1/Ucwa/../admin')" 400
expect "encoded dot segment refused with 400" "$(status_of -H 'Host: lyncweb.example.com' 'http://127.0.0.1/Ucwa/%2e%2e/admin')" 400
expect "backslash refused with 400" "$(status_of -H 'Host: lyncweb.example.com' 'http://127.0.0.1/Ucwa%5c..%5cadmin')" 400
r=$(python3 "$IT/rawhttp.py" --status-only 'GET http://other.example.com/ HTTP/1.1\r\nHost: meet.example.com\r\n\r\n')
expect "absolute-form disagreeing with Host gets 400" "$r" 400
r=$(python3 "$IT/rawhttp.py" 'GET http://meet.example.com/abs HTTP/1.1\r\nHost: meet.example.com\r\nConnection: close\r\n\r\n')
expect_match "absolute-form agreeing with Host is forwarded in origin-form" "$r" 'backend=A host=meet.example.com uri=/abs '
r=$(curl -s --max-time 10 -g 'http://[::1]:8888/six')
expect_match "IPv6 listener serves" "$r" '^backend=A .*uri=/six '
check "access line carries the fields" log_has 'access client=127.0.0.1:[0-9]* listener=http host=meet.example.com method=GET path=/ status=200 in=[0-9]* out=[0-9]* ms=[0-9]* route=lync backend=siteA server=127.0.0.1:8080 auth=-/- pin=no bconn=[0-9]*-[0-9]* pid=[0-9]*'
