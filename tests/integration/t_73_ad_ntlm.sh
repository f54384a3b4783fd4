# auth = "ntlm" verified by an Active Directory domain (issue 18, items 1
# to 3): a real Samba AD domain controller, provisioned and started by
# this file on loopback, with its own winbind and KDC; rpxd with
# ntlm-source = "winbind" and negotiate-keytab in front of nginx's
# /whoami. curl --negotiate logs in with alice's ticket from kinit (a
# replayed token gets 401) and gets the service's reply token on its 200,
# which a python3-gssapi client requiring mutual authentication verifies;
# without a ticket, curl --negotiate's NTLM inside SPNEGO logs in too;
# an auth = "negotiate" route offers Negotiate alone and refuses NTLM,
# plain or inside SPNEGO; curl --ntlm and requests-ntlm log
# in as domain users; the access line and the identity header carry the
# domain's DOMAIN\user; a wrong password and a disabled account get 401
# and count for auth-failure-limit, also when eight guesses come at once
# on eight connections of one address; a user in none of a route's
# require-group gets 403 and a log line, a member 200; winbind that does
# not answer (stopped with SIGSTOP) gives 503 within winbind-timeout, and
# a stopped domain controller gives 503, never a login; the domain
# checkers run as nobody with winbindd_priv, under seccomp.
#
# libwbclient finds winbind at the path compiled into it
# (/run/samba/winbindd), so samba and rpxd run in a mount namespace of
# their own with a tmpfs on /run/samba: nothing of the host's is touched.
# Skipped only when the samba packages are not installed (outside CI;
# tests/install-deps.sh installs them). Takes about 20 s, most of it
# samba-tool domain provision.
. "$IT/apache_ntlm.sh"	# NTLM_PY: a python3 with requests-ntlm
AD=$WORK/ad
AD_PASS='Adm1n-Pass!x'
AD_ALICE='Al1ce-Pass!x'
AD_BOB='B0b-Pass!x'
AD_CAROL='Car0l-Pass!x'
AD_PARTNER='Partn3r-Pass!x'
AD_SAMBA=
# A SPNEGO NegTokenInit offering NTLMSSP, with an NTLM type 1 as its
# mechToken (what Windows' SSPI sends without a ticket; the fuzz corpus's
# negotiate-spnego-type1).
AD_SPNEGO_NTLM=YEgGBisGAQUFAqA+MDygDjAMBgorBgEEAYI3AgIKoioEKE5UTE1TU1AAAQAAAAeCCKIAAAAAAAAAAAAAAAAAAAAACgBhSgAAAA8=
# A python3 with python3-gssapi (the Debian one when pyenv's lacks it).
AD_GSS_PY=
for p in python3 /usr/bin/python3; do
	"$p" -c 'import gssapi' 2>/dev/null && { AD_GSS_PY=$p; break; }
done
AD_MARK=0

ad_log() { tail -n "+$((AD_MARK + 1))" "$WORK/rpxd.log"; }
ad_get() {	# host path source [curl args]: the body, then the status
	local host=$1 path=$2 src=$3
	shift 3
	curl -s --max-time 15 -H "Host: $host" --interface "$src" \
	    -w ' status=%{http_code}' "$@" "http://127.0.0.1$path"
}
# in samba's mount namespace (its /run/samba)
ad_ns() { nsenter -t "$AD_SAMBA" -m -- "$@"; }
ad_tool() { samba-tool "$@" -s "$AD/etc/smb.conf" >>"$AD/tool.log" 2>&1; }

# The processes under pid, depth first.
ad_descendants() {
	local c
	for c in $(pgrep -P "$1"); do
		echo "$c"
		ad_descendants "$c"
	done
}
ad_winbindds() {
	local p
	for p in $(ad_descendants "$AD_SAMBA"); do
		[ "$(ps -o comm= -p "$p" 2>/dev/null)" = winbindd ] && echo "$p"
	done
}
# samba and every process it started, by pid
ad_stop_samba() {
	local p pids
	[ -n "$AD_SAMBA" ] || return 0
	pids="$AD_SAMBA $(ad_descendants "$AD_SAMBA")"
	for p in $pids; do kill -CONT "$p" 2>/dev/null; done
	for p in $pids; do kill -TERM "$p" 2>/dev/null; done
	for _ in $(seq 1 50); do
		kill -0 "$AD_SAMBA" 2>/dev/null || break
		sleep 0.1
	done
	for p in $pids; do kill -KILL "$p" 2>/dev/null; done
	wait "$AD_SAMBA" 2>/dev/null
	AD_SAMBA=
}

ad_prereqs() {
	winbind_prereqs t_73 "Active Directory test" samba samba-tool \
	    ntlm_auth nsenter unshare
}

# A domain CORP (CORP.RPXD.TEST) whose DC serves only loopback, with only
# the services a network logon and Kerberos need: RPC, winbind, the KDC.
ad_provision() {
	mkdir -p "$AD"
	samba-tool domain provision --targetdir="$AD" --realm=CORP.RPXD.TEST \
	    --domain=CORP --server-role=dc --dns-backend=SAMBA_INTERNAL \
	    --option="interfaces=lo" --option="bind interfaces only=yes" \
	    --option="server services=rpc winbindd kdc" \
	    --option="log file=$AD/log.%m" \
	    --adminpass="$AD_PASS" >"$AD/provision.log" 2>&1
}

ad_start_samba() {
	local i
	mkdir -p /run/samba	# the mount point; its contents stay the host's
	unshare -m --propagation private sh -c "mount -t tmpfs -o mode=755 \
	    rpxd-t73 /run/samba && exec samba -s '$AD/etc/smb.conf' \
	    --foreground --no-process-group --debug-stdout -d 1" \
	    >"$AD/samba.log" 2>&1 &
	AD_SAMBA=$!
	EXTRA_PIDS+=("$AD_SAMBA")
	for ((i = 0; i < 100; i++)); do
		ad_ns test -S /run/samba/winbindd/pipe 2>/dev/null &&
		    [ -d "$AD/state/winbindd_privileged" ] && return 0
		sleep 0.1
	done
	return 1
}

# What an operator of a member server has from Debian's winbind package:
# the privileged socket's directory in group winbindd_priv.
ad_users() {
	chgrp winbindd_priv "$AD/state/winbindd_privileged" &&
	ad_tool user create alice "$AD_ALICE" &&
	ad_tool user create bob "$AD_BOB" &&
	ad_tool user create carol "$AD_CAROL" &&
	ad_tool user disable carol &&
	ad_tool group add LyncExternalUsers &&
	ad_tool group addmembers LyncExternalUsers alice &&
	ad_keytab
}

# What an operator does for Kerberos: a service account with rpxd's
# service principal, whose keys are exported into a keytab (ktpass on
# Windows), and clients that find the KDC (here, a krb5.conf of theirs).
ad_keytab() {
	ad_tool user create httpsvc 'Http-Svc-Pass!1' &&
	ad_tool spn add HTTP/rpxd.corp.rpxd.test httpsvc &&
	ad_tool spn add HTTP/lync.corp.rpxd.test httpsvc &&
	ad_tool domain exportkeytab "$AD/http.keytab" \
	    --principal=HTTP/rpxd.corp.rpxd.test &&
	ad_tool domain exportkeytab "$AD/http.keytab" \
	    --principal=HTTP/lync.corp.rpxd.test &&
	chmod 600 "$AD/http.keytab" || return 1
	cat > "$AD/krb5.conf" <<KRB
[libdefaults]
	default_realm = CORP.RPXD.TEST
	dns_lookup_kdc = false
	dns_lookup_realm = false
	rdns = false
[realms]
	CORP.RPXD.TEST = {
		kdc = 127.0.0.1
	}
[domain_realm]
	.corp.rpxd.test = CORP.RPXD.TEST
KRB
}

# The DC answers a network logon before rpxd is asked to use it.
ad_dc_answers() {
	local i out
	for ((i = 0; i < 50; i++)); do
		out=$(ad_ns ntlm_auth --configfile="$AD/etc/smb.conf" \
		    --username=alice --password="$AD_ALICE" --domain=CORP 2>&1)
		case $out in *"(0x0)"*) return 0;; esac
		sleep 0.2
	done
	echo "ntlm_auth: $out"
	return 1
}

ad_conf() {	# [extra require-group names]
	base_conf
	cat <<CONF
log-level = "verbose"
ntlm-source = "winbind"
ntlm-domain = "CORP"
ntlm-users = "$WORK/ad-partners"
negotiate-keytab = "$AD/http.keytab"
winbind-timeout = 2
auth-failure-limit = 3
auth-failure-delay = 1
backend "a" { server = { "127.0.0.1:8080" } }
listener "http" {
	address = "127.0.0.1"
	port = 80
	route "ntlm" {
		host = { "ntlm.example.com", "rpxd.corp.rpxd.test" }
		backend = "a"
		auth = "ntlm"
	}
	route "lync" {
		host = { "lync.example.com", "lync.corp.rpxd.test" }
		backend = "a"
		auth = "ntlm"
		require-group = { "CORP\\\\LyncExternalUsers"${1:-} }
	}
	route "krbonly" {
		host = { "krbonly.example.com" }
		backend = "a"
		auth = "negotiate"
	}
	route "partner" {
		host = { "partner.example.com" }
		backend = "a"
		auth = "ntlm"
		ntlm-source = "file"
	}
}
listener "krb" {
	address = "127.0.0.1"
	port = 81
	route "krb" {
		host = { "rpxd.corp.rpxd.test" }
		backend = "a"
		auth = "negotiate"
	}
}
CONF
}

ad_start_rpxd() {
	# The partners' route checks its users against a file, not the
	# domain (ntlm-source on a route).
	printf 'partner1:CORP:%s\n' "$(printf '%s' "$AD_PARTNER" |
	    iconv -t UTF-16LE | openssl dgst -md4 -provider legacy \
	    -provider default | sed 's/.*= //')" > "$WORK/ad-partners"
	chmod 600 "$WORK/ad-partners"
	ad_conf > "$WORK/ad.conf"
	# nsenter execs rpxd: $! is the daemon (a function would fork).
	nsenter -t "$AD_SAMBA" -m -- "$TOP/rpxd" -d -f "$WORK/ad.conf" \
	    -W "$TOP/rpxd-worker" >>"$WORK/rpxd.log" 2>&1 &
	RPXD_PID=$!
	wait_port 127.0.0.1 80 5 && wait_workers 2 5
}

# Mutual authentication (RFC 4559 section 5): the 200 of a Kerberos login
# carries WWW-Authenticate: Negotiate with the service's AP-REP, in a
# SPNEGO accept-completed. curl shows it; a python3-gssapi client that
# requires mutual authentication verifies it (and refuses it with one
# byte changed); the next request on the connection gets none.
ad_mutual() {
	local r
	r=$(curl -s -D - -o /dev/null --max-time 15 --negotiate -u : \
	    --interface 127.0.0.8 --resolve rpxd.corp.rpxd.test:80:127.0.0.1 \
	    http://rpxd.corp.rpxd.test/whoami | tr -d '\r' |
	    grep -iE '^(HTTP/|WWW-Authenticate)' | sed 's/ [A-Za-z0-9+/=]\{40,\}$/ <token>/')
	expect "curl --negotiate: the 200 carries WWW-Authenticate: Negotiate <token>" \
	    "$r" 'HTTP/1.1 200 OK
WWW-Authenticate: Negotiate <token>'
	if [ -z "$AD_GSS_PY" ]; then
		fail "python3-gssapi, the mutual authentication client, is not installed (tests/install-deps.sh installs it)"
		return
	fi
	r=$("$AD_GSS_PY" "$IT/negotiate_client.py" 127.0.0.8 \
	    rpxd.corp.rpxd.test /whoami 2>&1)
	expect "python3-gssapi requiring mutual authentication: the reply token verifies" \
	    "$r" 'status=200 negstate=accept-completed mutual=verified second=200 second_www_authenticate=none'
	r=$("$AD_GSS_PY" "$IT/negotiate_client.py" --tamper 127.0.0.8 \
	    rpxd.corp.rpxd.test /whoami 2>&1)
	expect_match "... and with one byte of it changed, the client refuses it" \
	    "$r" '^status=200 negstate=accept-completed mutual=refused'
}

# auth = "negotiate" (listener "krb", port 81): its 401 offers Negotiate
# alone; alice's ticket logs in; NTLM, plain or inside SPNEGO, gets 401
# and a log line.
ad_negotiate_only() {
	local r url=http://rpxd.corp.rpxd.test:81/whoami
	local res=rpxd.corp.rpxd.test:81:127.0.0.1
	export KRB5_CONFIG=$AD/krb5.conf KRB5CCNAME=FILE:$AD/alice.cc
	r=$(curl -s -D - -o /dev/null --max-time 15 --resolve $res "$url" |
	    tr -d '\r' | grep -iE '^(HTTP/|WWW-Authenticate)')
	expect "auth = negotiate: the 401 offers Negotiate alone" "$r" \
	    'HTTP/1.1 401 Unauthorized
WWW-Authenticate: Negotiate'
	r=$(curl -s --max-time 15 --negotiate -u : --interface 127.0.0.10 \
	    --resolve $res -w ' status=%{http_code}' "$url")
	expect "auth = negotiate: alice's Kerberos ticket logs in" "$r" \
	    'user=CORP\alice authz= backend=A
 status=200'
	r=$(curl -s -D - -o /dev/null --max-time 15 --ntlm \
	    -u "CORP\\alice:$AD_ALICE" --interface 127.0.0.10 --resolve $res \
	    "$url" | tr -d '\r' | grep -iE '^(HTTP/|WWW-Authenticate)')
	expect "auth = negotiate: curl --ntlm with alice's password gets 401, Negotiate offered" \
	    "$r" 'HTTP/1.1 401 Unauthorized
WWW-Authenticate: Negotiate'
	check "... and a log line says the route takes Kerberos only" \
	    bash -c "tail -n +$((AD_MARK + 1)) '$WORK/rpxd.log' | grep -q 'auth: client 127.0.0.10:[0-9]*: Authorization ntlm1 refused: route \"krb\" takes Kerberos only (auth = \"negotiate\")'"
	r=$(curl -s -D - -o /dev/null --max-time 15 --interface 127.0.0.10 \
	    --resolve $res -H "Authorization: Negotiate $AD_SPNEGO_NTLM" \
	    "$url" | tr -d '\r' | grep -iE '^(HTTP/|WWW-Authenticate)')
	expect "auth = negotiate: NTLM inside SPNEGO gets 401, Negotiate offered" \
	    "$r" 'HTTP/1.1 401 Unauthorized
WWW-Authenticate: Negotiate'
	check "... and a log line says so" bash -c "tail -n +$((AD_MARK + 1)) \
	    '$WORK/rpxd.log' | grep -q 'auth: client 127.0.0.10:[0-9]*: NTLM inside Negotiate refused: the route takes Kerberos only'"
	# A connection logged in by NTLM on another route of its listener
	# is no Kerberos login: the auth = negotiate route asks for one.
	r=$("$NTLM_PY" - "$AD_ALICE" "$IT" <<'PY' 2>&1
import sys
sys.path.insert(0, sys.argv[2])
import ntlm_client, requests	# ntlm_client: MD4 where OpenSSL lacks it
from requests_ntlm import HttpNtlmAuth
s = requests.Session()
a = s.get("http://127.0.0.1/whoami", headers={"Host": "ntlm.example.com"},
          auth=HttpNtlmAuth("CORP\\alice", sys.argv[1], send_cbt=False),
          timeout=15)
b = s.get("http://127.0.0.1/whoami", headers={"Host": "krbonly.example.com"},
          timeout=15)
print(a.status_code, a.text.split()[0], b.status_code,
      b.headers.get("WWW-Authenticate"))
PY
)
	expect "auth = negotiate: a connection of an NTLM login is asked for Kerberos (401)" \
	    "$r" '200 user=CORP\alice 401 Negotiate'
	r=$(tail -n "+$((AD_MARK + 1))" "$WORK/rpxd.log" | sed -n \
	    's/.*access client=\(127.0.0.1:[0-9]*\) .*host=\(ntlm\|krbonly\).example.com .*status=\([0-9]*\) .*/\1 \2 \3/p' |
	    tail -2 | awk '{ print ($1 == p ? "same" : "new"), $2, $3; p = $1 }')
	expect "... on the same connection (the access lines)" "$r" \
	    'new ntlm 200
same krbonly 401'
	unset KRB5_CONFIG KRB5CCNAME
}

# curl --negotiate with alice's ticket from kinit: Kerberos at the proxy.
# The same token again on a new connection is a replay: 401. bob's ticket
# on the group route gets 403, as with NTLM.
ad_kerberos() {
	local r hdr
	export KRB5_CONFIG=$AD/krb5.conf KRB5CCNAME=FILE:$AD/alice.cc
	if ! echo "$AD_ALICE" | kinit alice@CORP.RPXD.TEST >/dev/null 2>&1; then
		fail "kinit alice against the DC's KDC"
		unset KRB5_CONFIG KRB5CCNAME
		return
	fi
	r=$(curl -s --max-time 15 --negotiate -u : --interface 127.0.0.8 \
	    --resolve rpxd.corp.rpxd.test:80:127.0.0.1 -w ' status=%{http_code}' \
	    http://rpxd.corp.rpxd.test/whoami)
	expect "curl --negotiate with alice's Kerberos ticket: nginx gets CORP\\alice" \
	    "$r" 'user=CORP\alice authz= backend=A
 status=200'
	check "... the log names the Kerberos login" bash -c "tail -n \
	    +$((AD_MARK + 1)) '$WORK/rpxd.log' | grep -q \
	    'auth: client 127.0.0.8: Kerberos login of CORP.alice (as a Negotiate token)'"
	check "... and the access line says auth=negotiate, user=CORP\\x5calice" \
	    bash -c "tail -n +$((AD_MARK + 1)) '$WORK/rpxd.log' | grep -q \
	    'access client=127.0.0.8:.* status=200 .* auth=negotiate/- .* user=CORP\\\\x5calice'"
	ad_mutual
	# The token curl sent, again, on a new connection.
	hdr=$(curl -s -v --max-time 15 --negotiate -u : --interface 127.0.0.9 \
	    --resolve rpxd.corp.rpxd.test:80:127.0.0.1 -o /dev/null \
	    http://rpxd.corp.rpxd.test/whoami 2>&1 |
	    sed -n 's/^> Authorization: \(Negotiate [^\r]*\).*/\1/p' | tr -d '\r')
	r=$(curl -s --max-time 15 --interface 127.0.0.9 -H "Authorization: $hdr" \
	    -H 'Host: rpxd.corp.rpxd.test' -o /dev/null -w '%{http_code}' \
	    http://127.0.0.1/whoami)
	expect "the same Negotiate token again (a replay): 401" "$r" 401
	check "... the master says it saw that authenticator" bash -c "tail -n \
	    +$((AD_MARK + 1)) '$WORK/rpxd.log' | grep -q \
	    'client 127.0.0.9: Kerberos login failed for a Negotiate token: a Kerberos authenticator seen before (a replay)'"
	KRB5CCNAME=FILE:$AD/bob.cc
	echo "$AD_BOB" | kinit bob@CORP.RPXD.TEST >/dev/null 2>&1
	r=$(curl -s --max-time 15 --negotiate -u : --interface 127.0.0.9 \
	    --resolve lync.corp.rpxd.test:80:127.0.0.1 -o /dev/null \
	    -w '%{http_code}' http://lync.corp.rpxd.test/whoami)
	expect "require-group with Kerberos: CORP\\bob gets 403" "$r" 403
	unset KRB5_CONFIG KRB5CCNAME
}

# No ticket (issue 18): curl --negotiate's SPNEGO offers NTLM
# (gss-ntlmssp, with alice's password from NTLM_USER_FILE), which rpxd
# takes inside SPNEGO and the domain checks as it checks plain NTLM.
ad_spnego_ntlm() {
	local r mark
	mark=$(wc -l < "$WORK/rpxd.log")
	printf 'CORP:alice:%s\n' "$AD_ALICE" > "$AD/ntlm-alice"
	printf 'CORP:alice:wrong\n' > "$AD/ntlm-wrong"
	r=$(KRB5_CONFIG=$AD/krb5.conf KRB5CCNAME=FILE:$AD/none.cc \
	    NTLM_USER_FILE=$AD/ntlm-alice NTLMUSER=alice \
	    curl -s --max-time 15 --negotiate -u : --interface 127.0.0.11 \
	    --resolve rpxd.corp.rpxd.test:80:127.0.0.1 -w ' status=%{http_code}' \
	    http://rpxd.corp.rpxd.test/whoami)
	expect "curl --negotiate, no ticket: NTLM inside SPNEGO checked by the domain, nginx gets CORP\\alice" \
	    "$r" 'user=CORP\alice authz= backend=A
 status=200'
	check "... the access line says user=CORP\\x5calice" bash -c "tail -n \
	    +$((mark + 1)) '$WORK/rpxd.log' | grep -q \
	    'access client=127.0.0.11:.* status=200 .* auth=ntlm3/- .* user=CORP\\\\x5calice'"
	check "... the master logged the domain's NTLM login" bash -c "tail -n \
	    +$((mark + 1)) '$WORK/rpxd.log' | grep -q \
	    'auth: client 127.0.0.11: NTLM login of CORP.alice'"
	# The domain gives the session key: rpxd checks the client's
	# mechListMIC and signs its own, which the client's SPNEGO verifies.
	r=$(KRB5_CONFIG=$AD/krb5.conf KRB5CCNAME=FILE:$AD/none.cc \
	    NTLM_USER_FILE=$AD/ntlm-alice NTLMUSER=alice \
	    "$AD_GSS_PY" "$IT/spnego_client.py" gss rpxd.corp.rpxd.test \
	    /whoami --source 127.0.0.11 2>&1 | tr '\n' ' ')
	expect_match "... the same with python3-gssapi: the 200's mechListMIC verifies" \
	    "$r" '^status=200 rounds=2 final=accept-completed body=user=CORP.alice .* mic=verified $'
	r=$(KRB5_CONFIG=$AD/krb5.conf KRB5CCNAME=FILE:$AD/none.cc \
	    NTLM_USER_FILE=$AD/ntlm-wrong NTLMUSER=alice \
	    curl -s --max-time 15 --negotiate -u : --interface 127.0.0.11 \
	    --resolve rpxd.corp.rpxd.test:80:127.0.0.1 -o /dev/null \
	    -w '%{http_code}' http://rpxd.corp.rpxd.test/whoami)
	expect "... with a wrong password: 401" "$r" 401
	check "... which the domain refused" bash -c "tail -n +$((mark + 1)) \
	    '$WORK/rpxd.log' | grep -q 'auth: client 127.0.0.11: NTLM login failed for CORP.alice'"
	# The token alone, as Windows sends it: the type 2 comes back in a
	# SPNEGO NegTokenResp (accept-incomplete, NTLMSSP).
	r=$(curl -s -D - -o /dev/null --max-time 15 --interface 127.0.0.11 \
	    --resolve rpxd.corp.rpxd.test:80:127.0.0.1 \
	    -H "Authorization: Negotiate $AD_SPNEGO_NTLM" \
	    http://rpxd.corp.rpxd.test/whoami | tr -d '\r' |
	    sed -n 's/^WWW-Authenticate: Negotiate //p' | base64 -d | od -An -tx1 |
	    tr -d ' \n')
	expect_match "a SPNEGO token with NTLM in it: 401 with the type 2 in a NegTokenResp naming NTLMSSP" \
	    "$r" '^a1.*a0030a0101a10c060a2b06010401823702020a.*4e544c4d5353500002000000'
}

# The domain checkers run as the user with winbind's group beside its own,
# no new privileges, under a seccomp filter.
ad_checker_sandbox() {
	local pids p st uid gid wgid
	pids=$(pgrep -P "$RPXD_PID" -x rpxd-winbind | tr '\n' ' ')
	expect_match "two domain checkers (winbind-checkers = 2) run: $pids" \
	    "$pids" '^[0-9]+ [0-9]+ $'
	uid=$(id -u nobody) gid=$(id -g nobody)
	wgid=$(getent group winbindd_priv | cut -d: -f3)
	for p in $pids; do
		st=$(cat "/proc/$p/status")
		expect_match "checker $p: uid nobody, groups nobody's and winbindd_priv, NoNewPrivs, seccomp filter" \
		    "$(echo "$st" | grep -E '^(Uid|Gid|Groups|NoNewPrivs|Seccomp):' | tr -s '\t ' ' ' | tr '\n' '|')" \
		    "^Uid: $uid $uid $uid $uid ?\\|Gid: $gid $gid $gid $gid ?\\|Groups: ($gid $wgid|$wgid $gid) ?\\|NoNewPrivs: 1 ?\\|Seccomp: 2 ?\\|"
	done
	"$TOP/rpxctl" -s "$WORK/rpxd.sock" log verbose >/dev/null
	sleep 0.3
	expect "rpxctl log verbose: the checkers take the message and go on (none killed)" \
	    "$(pgrep -P "$RPXD_PID" -x rpxd-winbind | tr '\n' ' ')" "$pids"
}

ad_logins() {
	local r
	r=$(ad_get ntlm.example.com /whoami 127.0.0.2 --ntlm -u "CORP\\alice:$AD_ALICE")
	expect "curl --ntlm as CORP\\alice: the domain checks it, nginx gets the identity" \
	    "$r" 'user=CORP\alice authz= backend=A
 status=200'
	r=$(ad_get ntlm.example.com /whoami 127.0.0.2 --ntlm -u "corp\\ALICE:$AD_ALICE")
	expect "a login as corp\\ALICE: the identity is the domain's spelling, CORP\\alice" \
	    "$r" 'user=CORP\alice authz= backend=A
 status=200'
	check "the access line names the user (user=CORP\\x5calice)" \
	    bash -c "tail -n +$((AD_MARK + 1)) '$WORK/rpxd.log' | grep -q \
	    'access client=127.0.0.2:[0-9]* .* path=/whoami status=200 .* user=CORP\\\\x5calice'"
	check "the master logs the domain's login" bash -c "tail -n \
	    +$((AD_MARK + 1)) '$WORK/rpxd.log' | grep -q \
	    'auth: client 127.0.0.2: NTLM login of CORP.alice (as corp.ALICE)'"
	# ntlm_client.py lends hashlib the MD4 OpenSSL 3 keeps out.
	r=$("$NTLM_PY" -c '
import sys
sys.path.insert(0, sys.argv[2])
import ntlm_client, requests
from requests_ntlm import HttpNtlmAuth
r = requests.get("http://127.0.0.1/whoami", headers={"Host": "ntlm.example.com"},
    auth=HttpNtlmAuth("CORP\\bob", sys.argv[1], send_cbt=False), timeout=15)
print(r.status_code, r.text.strip())' "$AD_BOB" "$IT" 2>&1)
	expect "requests-ntlm as CORP\\bob logs in" "$r" \
	    '200 user=CORP\bob authz= backend=A'
}

# ntlm-source per route: partner.example.com checks the ntlm-users file,
# ntlm.example.com the domain. Each takes only its own users, offers
# Negotiate only where the domain checks, and a login on one connection
# does not carry over to a route of the other source. The refusals come
# from addresses of their own (auth-failure-limit counts them).
ad_route_sources() {
	local r
	r=$(ad_get partner.example.com /whoami 127.0.0.7 --ntlm -u "CORP\\partner1:$AD_PARTNER")
	expect "a route with ntlm-source = \"file\": its file's user logs in" \
	    "$r" 'user=CORP\partner1 authz= backend=A
 status=200'
	check "... checked by the file, not the domain (master's line)" bash -c \
	    "tail -n +$((AD_MARK + 1)) '$WORK/rpxd.log' | grep -q \
	    'auth: client 127.0.0.7: NTLM login of CORP.partner1 (as CORP.partner1), in 0'"
	r=$(ad_get partner.example.com /whoami 127.0.0.8 -o /dev/null --ntlm -u "CORP\\alice:$AD_ALICE")
	expect "... a domain user is refused there" "$r" ' status=401'
	r=$(ad_get ntlm.example.com /whoami 127.0.0.9 -o /dev/null --ntlm -u "CORP\\partner1:$AD_PARTNER")
	expect "... and the file's user on the domain's route" "$r" ' status=401'
	r=$(curl -s -o /dev/null -D - --max-time 10 -H 'Host: partner.example.com' \
	    http://127.0.0.1/whoami | grep -i '^www-authenticate' | tr -d '\r' | sort | tr '\n' ' ')
	expect "the file's route offers NTLM alone" "$r" 'WWW-Authenticate: NTLM '
	r=$(curl -s -o /dev/null -D - --max-time 10 -H 'Host: ntlm.example.com' \
	    http://127.0.0.1/whoami | grep -i '^www-authenticate' | tr -d '\r' | sort | tr '\n' ' ')
	expect "the domain's route offers Negotiate and NTLM" "$r" \
	    'WWW-Authenticate: NTLM WWW-Authenticate: Negotiate '
	r=$("$NTLM_PY" -c '
import sys
sys.path.insert(0, sys.argv[2])
import ntlm_client
a = type("A", (), dict(url="http://127.0.0.1/whoami", host="partner.example.com",
    source="127.0.0.10", timeout=15, cacert=None, insecure=False))
c = ntlm_client.Conn(a)
r = ntlm_client.handshake(c, "CORP\\partner1:" + sys.argv[1], 3)
first = r[0] if r else None
c.host = "ntlm.example.com"
c.send()
r = c.response()
print(first, r[0] if r else "closed")' "$AD_PARTNER" "$IT" 2>&1)
	expect "a file login on a connection does not count on the domain's route (200, then 401)" \
	    "$r" "200 401"
}

# Two refusals the domain gives, then a third failure: the limit (3) is
# reached, and the right password from that address is refused too.
ad_refusals() {
	local r
	r=$(ad_get ntlm.example.com /whoami 127.0.0.3 -o /dev/null --ntlm -u "CORP\\alice:wrong-Pass1")
	expect "a wrong password: 401" "$r" ' status=401'
	r=$(ad_get ntlm.example.com /whoami 127.0.0.3 -o /dev/null --ntlm -u "CORP\\carol:$AD_CAROL")
	expect "a disabled account with its right password: 401" "$r" ' status=401'
	check "... the domain's reasons are logged and counted" bash -c "
	    tail -n +$((AD_MARK + 1)) '$WORK/rpxd.log' | grep -q \
	    'client 127.0.0.3: NTLM login failed for CORP.alice: NT_STATUS_WRONG_PASSWORD from the domain' &&
	    tail -n +$((AD_MARK + 1)) '$WORK/rpxd.log' | grep -q \
	    'client 127.0.0.3: NTLM login failed for CORP.carol: NT_STATUS_ACCOUNT_DISABLED from the domain'"
	r=$(ad_get ntlm.example.com /whoami 127.0.0.3 -o /dev/null --ntlm -u "CORP\\bob:wrong-Pass2")
	expect "a third failure: 401" "$r" ' status=401'
	r=$(ad_get ntlm.example.com /whoami 127.0.0.3 -o /dev/null --ntlm -u "CORP\\alice:$AD_ALICE")
	expect "after auth-failure-limit (3) domain refusals, that address is refused the right password" \
	    "$r" ' status=401'
	check "... by the limit, which the log says" bash -c "tail -n \
	    +$((AD_MARK + 1)) '$WORK/rpxd.log' | grep -q \
	    'client 127.0.0.3: NTLM login of CORP.alice refused: 3 failures from this address'"
}

# Eight wrong passwords from one address at once, each on its own
# connection, their type 3s sent together: the domain checks only
# auth-failure-limit (3) of them, as the file would; the others wait their
# turn and are then refused by the limit unchecked.
ad_parallel_guesses() {
	local r
	r=$("$NTLM_PY" -c '
import base64, socket, sys, threading
sys.path.insert(0, sys.argv[1])
import ntlm_client
from ntlm_auth.ntlm import NtlmContext
N = 8
barrier = threading.Barrier(N)
got = []
def head(s):
    d = b""
    while b"\r\n\r\n" not in d:
        c = s.recv(65536)
        if not c:
            raise EOFError
        d += c
    h = d.split(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
    return int(h[0].split()[1]), dict((l.split(":", 1)[0].lower(), l.split(":", 1)[1].strip()) for l in h[1:])
def req(s, tok):
    s.sendall(("GET /whoami HTTP/1.1\r\nHost: ntlm.example.com\r\n"
        "Authorization: NTLM %s\r\n\r\n" % tok).encode())
def guess(i):
    ctx = NtlmContext("alice", "wrong-Pass-%d" % i, "CORP", ntlm_compatibility=3)
    s = socket.socket()
    s.bind(("127.0.0.7", 0))
    s.settimeout(20)
    s.connect(("127.0.0.1", 80))
    req(s, base64.b64encode(ctx.step()).decode())
    st, f = head(s)
    t3 = ctx.step(base64.b64decode(f["www-authenticate"][5:]))
    barrier.wait()
    req(s, base64.b64encode(t3).decode())
    got.append(head(s)[0])
ts = [threading.Thread(target=guess, args=(i,)) for i in range(N)]
[t.start() for t in ts]
[t.join() for t in ts]
print(" ".join(str(x) for x in sorted(got)))' "$IT" 2>&1)
	expect "8 wrong passwords at once from one address: all 401" "$r" \
	    "401 401 401 401 401 401 401 401"
	r=$(ad_log | grep -c 'client 127.0.0.7: NTLM login failed for CORP.alice: NT_STATUS_WRONG_PASSWORD')
	r=$r/$(ad_log | grep -c 'client 127.0.0.7: NTLM login of CORP.alice refused: 3 failures from this address')
	expect "... the domain checked auth-failure-limit (3) of them, the limit refused 5 unchecked" \
	    "$r" 3/5
}

ad_groups() {
	local r
	r=$(ad_get lync.example.com /whoami 127.0.0.4 --ntlm -u "CORP\\bob:$AD_BOB")
	expect "require-group: CORP\\bob, in none of its groups, gets 403" \
	    "$r" "$(printf '403 Forbidden\n status=403')"
	check "... and a log line that says so" bash -c "tail -n \
	    +$((AD_MARK + 1)) '$WORK/rpxd.log' | grep -q \
	    '403 Forbidden: user CORP.x5cbob is in none of the 1 group(s) of route \"lync\".s require-group'"
	r=$(ad_get lync.example.com /whoami 127.0.0.4 --ntlm -u "CORP\\alice:$AD_ALICE")
	expect "require-group: CORP\\alice, a member of CORP\\LyncExternalUsers, gets 200" \
	    "$r" 'user=CORP\alice authz= backend=A
 status=200'
}

# A reload that adds CORP\Domain Users, which bob is in, and a group the
# domain does not know: the checkers look the new names up, bob gets 200.
ad_reload_groups() {
	local r
	ad_conf ', "CORP\\Domain Users", "CORP\\NoSuchGroup"' > "$WORK/ad.conf"
	kill -HUP "$RPXD_PID"
	sleep 1.5
	r=$(ad_get lync.example.com /whoami 127.0.0.4 --ntlm -u "CORP\\bob:$AD_BOB")
	expect "after a reload adding CORP\\Domain Users to require-group, CORP\\bob gets 200" \
	    "$r" 'user=CORP\bob authz= backend=A
 status=200'
	check "... and the unknown group is logged, not fatal" bash -c "tail -n \
	    +$((AD_MARK + 1)) '$WORK/rpxd.log' | grep -q \
	    'winbind: require-group \"CORP.NoSuchGroup\": not resolved'"
}

# winbind stopped (SIGSTOP): the checker's call hangs; the login gets 503
# at winbind-timeout (2 s), the checker is killed and another started,
# which logs in once winbind runs again.
ad_timeout() {
	local r t0 ms p wbs
	wbs=$(ad_winbindds)
	check "winbind's processes found under samba ($(echo $wbs))" test -n "$wbs"
	for p in $wbs; do kill -STOP "$p"; done
	t0=$(date +%s%N)
	r=$(ad_get ntlm.example.com /whoami 127.0.0.5 -o /dev/null --ntlm -u "CORP\\alice:$AD_ALICE")
	ms=$((($(date +%s%N) - t0) / 1000000))
	for p in $wbs; do kill -CONT "$p"; done
	expect "winbind not answering: 503, never a login" "$r" ' status=503'
	check "... after winbind-timeout (2 s): $ms ms in 1900..4500" \
	    test "$ms" -ge 1900 -a "$ms" -lt 4500
	check "... the log says so, and the stuck checker is killed" bash -c "
	    tail -n +$((AD_MARK + 1)) '$WORK/rpxd.log' | grep -q \
	    'client 127.0.0.5: NTLM login of CORP.alice not checked: the domain did not answer within winbind-timeout (2 s); answered 503' &&
	    tail -n +$((AD_MARK + 1)) '$WORK/rpxd.log' | grep -q \
	    'auth: domain checker [0-9]* has not answered within 2 s; killing it'"
	sleep 1.5	# a new checker starts at the next second's tick
	r=$(ad_get ntlm.example.com /whoami 127.0.0.5 --ntlm -u "CORP\\alice:$AD_ALICE")
	expect "winbind back: the next login succeeds" "$r" 'user=CORP\alice authz= backend=A
 status=200'
}

ad_dc_stopped() {
	local r
	ad_stop_samba
	r=$(ad_get ntlm.example.com /whoami 127.0.0.6 --ntlm -u "CORP\\alice:$AD_ALICE")
	expect_match "domain controller stopped: 503, never a login" "$r" \
	    ' status=503$'
	check "... and a log line" bash -c "tail -n +$((AD_MARK + 1)) \
	    '$WORK/rpxd.log' | grep -q 'client 127.0.0.6: NTLM login of \
CORP.alice not checked: winbind: WBC_ERR_WINBIND_NOT_AVAILABLE; answered 503'"
	r=$(ad_log | grep -c 'access client=127.0.0.6:.* status=200')
	r=$r/$(ad_log | grep -c 'access client=127.0.0.5:.* status=200')
	expect "no request reached the backend while the domain gave no verdict (200s from .6/.5: 0/1, the one after winbind came back)" \
	    "$r" 0/1
}

# Kerberos constrained delegation (issue 18): route "dlg" (listener on
# port 82) logs users in by NTLM or Kerberos, and with delegate =
# "HTTP/backend.corp.rpxd.test" logs in to an Apache httpd with
# mod_auth_gssapi (port 8194, Kerberos only, GssapiConnectionBound) as
# that user. In the directory: a service account for the backend with
# that SPN, and httpsvc (rpxd's account) allowed to delegate to it with
# protocol transition. rpxd's keytab gets httpsvc's own name, which AD
# takes as the client of rpxd's TGT.
AD_DLG_SPN=HTTP/backend.corp.rpxd.test
ad_dlg_directory() {
	ad_tool user create backsvc 'Back-Svc-Pass!1' &&
	ad_tool spn add "$AD_DLG_SPN" backsvc &&
	ad_tool domain exportkeytab "$AD/backend.keytab" \
	    --principal="$AD_DLG_SPN" &&
	ad_tool domain exportkeytab "$AD/http.keytab" --principal=httpsvc &&
	ad_tool delegation for-any-protocol httpsvc on &&
	ad_tool delegation add-service httpsvc "$AD_DLG_SPN" &&
	chmod 644 "$AD/backend.keytab"	# read by httpd's children (nobody)
}

# The backend: a CGI prints REMOTE_USER as mod_auth_gssapi set it (the
# client's Kerberos principal) and the TCP connection it came on.
ad_dlg_apache() {
	local d=$AD/apache m=/usr/lib/apache2/modules
	mkdir -p "$d/logs" "$d/run" "$d/cgi" && chmod 755 "$d" "$d/cgi" ||
	    return 1
	cat > "$d/cgi/whoami" <<'CGI'
#!/bin/sh
printf 'Content-Type: text/plain\r\n\r\n'
printf 'krb_user=%s conn=%s\n' "${REMOTE_USER:--}" "$REMOTE_PORT"
CGI
	chmod 755 "$d/cgi/whoami"
	cat > "$d/httpd.conf" <<CONF
ServerRoot "$d"
ServerName backend.corp.rpxd.test
Listen 127.0.0.1:8194
PidFile "$d/run/httpd.pid"
DefaultRuntimeDir "$d/run"
ErrorLog "$d/logs/error.log"
LogLevel warn
User nobody
Group nogroup
LoadModule mpm_prefork_module $m/mod_mpm_prefork.so
LoadModule authn_core_module $m/mod_authn_core.so
LoadModule authz_core_module $m/mod_authz_core.so
LoadModule authz_user_module $m/mod_authz_user.so
LoadModule auth_gssapi_module $m/mod_auth_gssapi.so
LoadModule alias_module $m/mod_alias.so
LoadModule cgi_module $m/mod_cgi.so
StartServers 2
KeepAlive On
MaxKeepAliveRequests 0
# short, so that the test sees rpxd go on after the backend closes
KeepAliveTimeout 1
<Directory />
	Require all denied
</Directory>
ScriptAlias /whoami "$d/cgi/whoami"
<Directory "$d/cgi">
	Options +ExecCGI
	AuthType GSSAPI
	AuthName "rpxd delegation test"
	GssapiAllowedMech krb5
	GssapiCredStore keytab:$AD/backend.keytab
	GssapiConnectionBound On
	Require valid-user
</Directory>
CONF
	KRB5RCACHEDIR=$d/run /usr/sbin/apache2 -f "$d/httpd.conf" \
	    >>"$d/logs/stderr.log" 2>&1
	chmod 777 "$d/run"	# the replay cache of httpd's children
	for _ in $(seq 1 50); do
		[ -s "$d/run/httpd.pid" ] &&
		    (exec 3<>/dev/tcp/127.0.0.1/8194) 2>/dev/null &&
		    { EXTRA_PIDS+=("$(cat "$d/run/httpd.pid")"); return 0; }
		sleep 0.1
	done
	cat "$d/logs/stderr.log" "$d/logs/error.log" 2>/dev/null | tail -3
	return 1
}

ad_dlg_conf() {	# the routes of ad_conf, and listener "dlg"
	ad_conf
	cat <<CONF
backend "krbweb" { server = { "127.0.0.1:8194" } }
listener "dlg" {
	address = "127.0.0.1"
	port = 82
	route "dlg" {
		host = { "dlg.example.com", "rpxd.corp.rpxd.test" }
		backend = "krbweb"
		auth = "ntlm"
		delegate = "$AD_DLG_SPN"
	}
}
CONF
}

# The KDC stopped (SIGSTOP; winbind still answers the NTLM login): the
# delegation gets no answer, and the login 503 at winbind-timeout.
ad_dlg_kdc_silent() {
	local r p kdcs=
	for p in $(ad_descendants "$AD_SAMBA"); do
		case $(ps -o comm= -p "$p" 2>/dev/null) in
		kdc*) kdcs="$kdcs $p";;
		esac
	done
	check "samba's KDC processes found ($kdcs)" test -n "$kdcs"
	for p in $kdcs; do kill -STOP "$p"; done
	r=$(curl -s -o /dev/null --max-time 15 --ntlm -u "CORP\\alice:$AD_ALICE" \
	    -H 'Host: dlg.example.com' --interface 127.0.0.13 \
	    -w '%{http_code}' http://127.0.0.1:82/whoami)
	for p in $kdcs; do kill -CONT "$p"; done
	expect "delegate: the KDC not answering: 503" "$r" 503
	check "... and a log line names the delegate" bash -c "tail -n \
	    +$((AD_MARK + 1)) '$WORK/rpxd.log' | grep -q \
	    'auth: client 127.0.0.13: NTLM login of CORP.alice not checked: the domain did not answer within winbind-timeout (2 s) (the login, or the KDC for delegate $AD_DLG_SPN); answered 503'"
	sleep 1.2	# the killed checker's successor starts
}

# Apache forks itself away: stopped by its pid, waited for until its
# port is free (the next script of the shard may want the port range).
ad_dlg_stop_apache() {
	local p f=$AD/apache/run/httpd.pid
	[ -s "$f" ] || return 0
	p=$(cat "$f")
	kill -TERM "$p" 2>/dev/null
	for _ in $(seq 1 100); do
		kill -0 "$p" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$p" 2>/dev/null
}

ad_delegation() {
	local r url=http://rpxd.corp.rpxd.test:82/whoami
	local res=rpxd.corp.rpxd.test:82:127.0.0.1
	if ! ad_dlg_directory || ! ad_dlg_apache; then
		fail "delegation set up in the directory, Apache with mod_auth_gssapi started" \
		    "$(tail -3 "$AD/tool.log" | tr '\n' ' ')"
		return
	fi
	# The checkers' Kerberos library finds the KDC as an operator's
	# krb5.conf says: this one, in samba's (and rpxd's) mount namespace.
	ad_ns mount --bind "$AD/krb5.conf" /etc/krb5.conf
	ad_dlg_conf > "$WORK/ad.conf"
	kill -HUP "$RPXD_PID"
	wait_port 127.0.0.1 82 5
	sleep 1.5	# the checkers start again, for the KDC
	r=$(curl -s --max-time 15 --ntlm -u "CORP\\alice:$AD_ALICE" \
	    -H 'Host: dlg.example.com' --interface 127.0.0.11 \
	    -w ' status=%{http_code}' http://127.0.0.1:82/whoami \
	    http://127.0.0.1:82/whoami | sed 's/conn=[0-9]*/conn=N/')
	expect "delegate: curl --ntlm as CORP\\alice, twice on one connection: the backend sees alice's own Kerberos identity" \
	    "$r" 'krb_user=alice@CORP.RPXD.TEST conn=N
 status=200krb_user=alice@CORP.RPXD.TEST conn=N
 status=200'
	check "... the log names the delegation" bash -c "tail -n \
	    +$((AD_MARK + 1)) '$WORK/rpxd.log' | grep -q \
	    'auth: client 127.0.0.11: Kerberos delegation: a ticket of CORP.alice for $AD_DLG_SPN'"
	# The backend closes the pinned connection (KeepAliveTimeout 1):
	# rpxd closes the client's, which logs in again on a new one, with
	# a new ticket on a new backend connection.
	r=$("$NTLM_PY" - "$AD_ALICE" "$IT" <<'PY' 2>&1
import sys, time
sys.path.insert(0, sys.argv[2])
import ntlm_client, requests
from requests_ntlm import HttpNtlmAuth
s = requests.Session()
s.auth = HttpNtlmAuth("CORP\\alice", sys.argv[1], send_cbt=False)
h = {"Host": "dlg.example.com"}
a = s.get("http://127.0.0.1:82/whoami", headers=h, timeout=15)
time.sleep(2)
b = s.get("http://127.0.0.1:82/whoami", headers=h, timeout=15)
print(a.status_code, a.text.split()[0], b.status_code, b.text.split()[0])
PY
)
	expect "delegate: after the backend closed the pinned connection, the client logs in again and the backend sees alice" \
	    "$r" '200 krb_user=alice@CORP.RPXD.TEST 200 krb_user=alice@CORP.RPXD.TEST'
	check "... on a new connection: rpxd closed the client's with the backend's" \
	    bash -c "tail -n +$((AD_MARK + 1)) '$WORK/rpxd.log' | grep -q \
	    'session: client 127.0.0.1:[0-9]*: the backend closed the pinned connection .*; closing the client connection'"
	r=$(tail -n +$((AD_MARK + 1)) "$WORK/rpxd.log" | grep -c \
	    'auth: client 127.0.0.1: Kerberos delegation: a ticket of CORP.alice')
	expect "... and a new ticket for it (two delegations)" "$r" 2
	export KRB5_CONFIG=$AD/krb5.conf KRB5CCNAME=FILE:$AD/alice.cc
	r=$(curl -s --max-time 15 --negotiate -u : --interface 127.0.0.11 \
	    --resolve $res -w ' status=%{http_code}' "$url" |
	    sed 's/conn=[0-9]*/conn=N/')
	expect "delegate: curl --negotiate with alice's ticket: the backend sees alice@CORP.RPXD.TEST" \
	    "$r" 'krb_user=alice@CORP.RPXD.TEST conn=N
 status=200'
	unset KRB5_CONFIG KRB5CCNAME
	ad_dlg_kdc_silent
	# The right taken away: the KDC refuses S4U2Proxy; 502, a log line.
	ad_tool delegation del-service httpsvc "$AD_DLG_SPN"
	r=$(curl -s -o /dev/null --max-time 15 --ntlm -u "CORP\\bob:$AD_BOB" \
	    -H 'Host: dlg.example.com' --interface 127.0.0.12 \
	    -w '%{http_code}' http://127.0.0.1:82/whoami)
	expect "delegate: without the right to delegate in the directory: 502" "$r" 502
	check "... and a log line says the domain refused it" bash -c "tail -n \
	    +$((AD_MARK + 1)) '$WORK/rpxd.log' | grep -q \
	    'auth: client 127.0.0.12: Kerberos delegation of CORP.bob to $AD_DLG_SPN refused: S4U2Proxy'"
	check "... and no request reached the backend without a ticket" \
	    test "$(tail -n +$((AD_MARK + 1)) "$WORK/rpxd.log" | grep -c 'access client=127.0.0.12:.* status=200')" = 0
	ad_ns umount /etc/krb5.conf
}

ad_tests() {
	ad_prereqs || return
	[ -f "$WORK/rpxd.log" ] && AD_MARK=$(wc -l < "$WORK/rpxd.log")
	if ! ad_provision; then
		fail "samba-tool domain provision" "$(tail -3 "$AD/provision.log")"
		return
	fi
	if ! ad_start_samba || ! ad_users || ! ad_dc_answers; then
		fail "the Samba AD DC starts and answers ntlm_auth" \
		    "$(tail -5 "$AD/samba.log" "$AD/tool.log" 2>/dev/null | tr '\n' ' ')"
		ad_stop_samba
		return
	fi
	pass "the Samba AD DC answers ntlm_auth for CORP\\alice"
	if ! ad_start_rpxd; then
		fail "rpxd starts with ntlm-source = winbind" \
		    "$(tail -3 "$WORK/rpxd.log" | tr '\n' ' ')"
		ad_stop_samba
		return
	fi
	ad_checker_sandbox
	ad_kerberos
	ad_spnego_ntlm
	ad_negotiate_only
	ad_logins
	ad_route_sources
	ad_refusals
	ad_parallel_guesses
	ad_groups
	ad_reload_groups
	ad_delegation
	ad_timeout
	ad_dc_stopped
	ad_stop_samba
	ad_dlg_stop_apache
}

ad_tests
stop_rpxd
