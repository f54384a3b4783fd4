# The Extended Protection warning (issue 17): a TLS listener's passthrough
# routes to nginx TLS backends (tls_pki.sh). owa.example.com is served with
# owa.pem while the backend on 4443 shows fe01.pem: a warning at start-up
# and "differs"; fe01.corp.local is served with fe01.pem itself: "same", no
# warning; a server nobody listens on (these two at info: log-level
# verbose): "could not be checked", quickly; an
# auth = "none" route is not checked; check-extended-protection = false
# keeps start-up quiet while rpxctl check-backends still answers; a
# reload checks again.
start_nginx_tls || fail "ep: nginx TLS backends start on 4443..4446"
P=$WORK/pki
EP_MARK=0
[ -f "$WORK/rpxd.log" ] && EP_MARK=$(wc -l < "$WORK/rpxd.log")
ep_log() { tail -n "+$((EP_MARK + 1))" "$WORK/rpxd.log"; }
ep_ctl() { "$TOP/rpxctl" -s "$WORK/rpxd.sock" "$@"; }

ep_conf() {
	base_conf
	cat <<CONF
backend-connect-timeout = 2
$1
backend "exch" {
	server = { "127.0.0.1:4443" }
	tls = yes
	verify = no
	sni = "fe01.corp.local"
}
backend "dead" {
	server = { "127.0.0.1:4449" }
	tls = yes
	verify = no
}
backend "other" {
	server = { "127.0.0.1:4445" }
	tls = yes
	verify = no
}
listener "https" {
	address = "127.0.0.1"
	port = 443
	tls {
		certificate "$P/owa.pem" { key = "$P/owa.key" }
		certificate "$P/fe01.pem" { key = "$P/fe01.key" }
	}
	route "owa" { host = { "owa.example.com" } backend = "exch" }
	route "fe" { host = { "fe01.corp.local" } backend = "exch" }
	route "gone" {
		host = { "owa.example.com" }
		path = "/gone/*"
		backend = "dead"
	}
	route "anon" {
		host = { "owa.example.com" }
		path = "/anon/*"
		backend = "other"
		auth = "none"
	}
}
CONF
}

ep_conf 'log-level = "verbose"' > "$WORK/ep.conf"
RPXD_PORT=443
start_rpxd "$WORK/ep.conf" || fail "ep: rpxd starts"
for _ in $(seq 1 100); do
	ep_log | grep -q 'ep: .*route "gone".*could not be checked' && break
	sleep 0.1
done
expect_match "ep: start-up warns about owa's backend certificate" \
    "$(ep_log | grep 'ep: listener "https" route "owa"')" \
    'backend "exch" server 127.0.0.1:4443 presents a certificate other than the listener.s for owa.example.com \(backend: CN=fe01.corp.local.*SHA-256 [0-9A-F:]{95}; listener: CN=owa.example.com.*\): Exchange servers requiring Extended Protection'
expect "ep: no warning where the backend shows the listener's certificate" \
    "$(ep_log | grep -c 'route "fe".*other than the listener')" 0
check "ep: the same certificate is noted" \
    bash -c "tail -n +$((EP_MARK + 1)) '$WORK/rpxd.log' | grep -q 'route \"fe\".*presents the listener.s certificate for fe01.corp.local'"
check "ep: an unreachable server is noted, not an error" \
    bash -c "tail -n +$((EP_MARK + 1)) '$WORK/rpxd.log' | grep -q 'ep: listener \"https\" route \"gone\": backend \"dead\" server 127.0.0.1:4449 could not be checked'"
expect "ep: auth = none routes are not checked" \
    "$(ep_log | grep -c 'ep: .*route "anon"')" 0

out=$(ep_ctl check-backends)
expect "ep: rpxctl check-backends exits 0" "$?" 0
expect_match "ep: check-backends says owa differs" "$out" \
    'listener "https" route "owa" host owa.example.com: backend "exch" server 127.0.0.1:4443: differs'
expect_match "ep: check-backends says fe is the same" "$out" \
    'listener "https" route "fe" host fe01.corp.local: backend "exch" server 127.0.0.1:4443: same'
expect_match "ep: check-backends says the dead server is unreachable" "$out" \
    'route "gone" host owa.example.com: backend "dead" server 127.0.0.1:4449: unreachable: could not be checked'
expect "ep: check-backends leaves auth = none routes out" \
    "$(grep -c 'route "anon"' <<<"$out")" 0
expect "ep: check-backends prints one line per route, host and server" \
    "$(grep -c '^listener' <<<"$out")" 3
curl -sk --max-time 10 --resolve owa.example.com:443:127.0.0.1 \
    https://owa.example.com/x -o /dev/null
check "ep: the proxy still serves" test "$?" = 0
# start-up and rpxctl warned; a reload checks again
ep_ctl reload >/dev/null
for _ in $(seq 1 100); do
	[ "$(ep_log | grep -c 'route "owa".*other than the listener')" -ge 3 ] &&
	    break
	sleep 0.1
done
expect "ep: a reload checks again" \
    "$(ep_log | grep -c 'route "owa".*other than the listener')" 3
stop_rpxd

# Off at load; the command still works.
EP_MARK=$(wc -l < "$WORK/rpxd.log")
ep_conf "check-extended-protection = false" > "$WORK/ep.conf"
start_rpxd "$WORK/ep.conf" || fail "ep: rpxd starts with the check off"
out=$(ep_ctl check-backends)
expect_match "ep: check-backends works with the load-time check off" \
    "$out" 'route "owa" host owa.example.com: backend "exch" server 127.0.0.1:4443: differs'
expect "ep: check-extended-protection = false: one warning, rpxctl's" \
    "$(ep_log | grep -c 'route "owa".*other than the listener')" 1
stop_rpxd

# A bad value is refused with its line.
ep_conf "check-extended-protection = maybe" > "$WORK/ep.conf"
out=$("$TOP/rpxd" -n -f "$WORK/ep.conf" 2>&1)
expect_match "ep: a bad check-extended-protection is refused with its line" \
    "$out" 'ep.conf:[0-9]+:.*check-extended-protection'
RPXD_PORT=80
