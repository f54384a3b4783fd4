# The key service (issue 5): private keys live in key holders (rpxd-keys),
# never in a worker. TLS 1.2 and 1.3 handshakes with RSA PKCS#1, RSA-PSS
# and ECDSA, and a backend client certificate, are signed by a holder; a
# worker's memory holds no private key bytes while a holder's does (so
# the search can find them); a holder that dies is replaced, and so are
# its workers; a reload brings new holders, and key-holders unset means
# four per CPU (at most 64). Takes about 15 s.
start_nginx_tls || fail "nginx TLS backends start on 4443..4446"
P=$WORK/pki
KEYS_MARK=0
[ -f "$WORK/rpxd.log" ] && KEYS_MARK=$(wc -l < "$WORK/rpxd.log")
keys_log_has() { tail -n "+$((KEYS_MARK + 1))" "$WORK/rpxd.log" | grep -q -- "$1"; }

keys_conf() {	# key-holders line
	base_conf
	cat <<CONF
$1
backend "siteA" { server = { "127.0.0.1:8080" } }
backend "fe-mtls" {
	server = { "127.0.0.1:4443" }
	tls = yes
	ca-file = "$P/ca.pem"
	verify-name = "fe01.corp.local"
	client-certificate = "$P/client.pem"
	client-key = "$P/client.key"
}
listener "http" {
	address = "127.0.0.1"
	port = 80
	route "all" { backend = "siteA" }
}
listener "https" {
	address = "127.0.0.1"
	port = 443
	tls {
		certificate "$P/lync-rsa.pem" { key = "$P/lync-rsa.key" }
		certificate "$P/lync-ecdsa.pem" { key = "$P/lync-ecdsa.key" }
	}
	route "mtls" { path = "/mtls/*" backend = "fe-mtls" }
	route "lync" { backend = "siteA" }
}
CONF
}

holders() { pgrep -P "$RPXD_PID" -x rpxd-keys | sort -n; }

# handshake ARGS...: "sig=<peer signature type> proto=<version> <status>"
handshake() {
	printf 'GET / HTTP/1.1\r\nHost: lyncweb.example.com\r\nConnection: close\r\n\r\n' |
	    timeout 10 openssl s_client -connect 127.0.0.1:443 \
	    -servername lyncweb.example.com -CAfile "$P/ca.pem" -ign_eof "$@" \
	    2>&1 | awk '
		/^Peer signature type:/ { sig = $4 }
		/^    Protocol  *:/ { proto = $3 }
		/^HTTP\/1\.1 / && !st { st = $2 }
		END { printf "sig=%s proto=%s %s\n", sig, proto, st }'
}

# key_bytes FILE: the private exponent or EC scalar, big-endian hex
key_bytes() {
	openssl pkey -in "$1" -noout -text 2>/dev/null | awk '
		/^(privateExponent|priv):/ { on = 1; next }
		on && /^[^ ]/ { on = 0 }
		on { gsub(/[ :]/, ""); printf "%s", $0 }' |
	    sed 's/^00//'
}
reverse_hex() { echo "$1" | sed 's/../&\n/g' | tac | tr -d '\n'; }

# holds PID HEX: 0 if the process memory holds the bytes either way round
# (OpenSSL's BIGNUMs keep them least significant first), 1 if not, 2 if
# unreadable.
holds() {
	python3 "$IT/memgrep.py" "$1" "${2:0:48}" >/dev/null && return 0
	python3 "$IT/memgrep.py" "$1" "$(reverse_hex "$2" | cut -c1-48)" \
	    >/dev/null
}

keys_conf 'key-holders = 2' > "$WORK/keys.conf"
start_rpxd "$WORK/keys.conf" || fail "rpxd starts with key-holders = 2"
sleep 0.5
expect "key-holders = 2 starts two key holders" "$(holders | wc -l)" 2
h=$(holders | head -1)
# Under ASan a holder may still be parsing its keys: its set-up ends
# with the chroot and the user change, which are what is checked.
for _ in $(seq 1 50); do
	[ "$(readlink "/proc/$h/root")" = "$WORK/empty" ] && break
	sleep 0.1
done
check "a key holder runs as the unprivileged user" \
    grep -q "^Uid:[[:space:]]*$(id -u nobody)[[:space:]]" "/proc/$h/status"
expect "a key holder's root is the chroot" "$(readlink "/proc/$h/root")" \
    "$WORK/empty"

expect "TLS 1.3 RSA-PSS handshake signed by the key service" \
    "$(handshake -tls1_3 -sigalgs rsa_pss_rsae_sha256)" \
    "sig=RSA-PSS proto=TLSv1.3 200"
expect "TLS 1.2 RSA PKCS#1 handshake signed by the key service" \
    "$(handshake -tls1_2 -sigalgs RSA+SHA256)" "sig=RSA proto=TLSv1.2 200"
expect "TLS 1.2 RSA-PSS (SHA-384) handshake signed by the key service" \
    "$(handshake -tls1_2 -sigalgs rsa_pss_rsae_sha384)" \
    "sig=RSA-PSS proto=TLSv1.2 200"
expect "TLS 1.3 ECDSA P-256 handshake signed by the key service" \
    "$(handshake -tls1_3 -sigalgs ecdsa_secp256r1_sha256)" \
    "sig=ECDSA proto=TLSv1.3 200"
expect "TLS 1.2 ECDSA handshake signed by the key service" \
    "$(handshake -tls1_2 -sigalgs ECDSA+SHA256)" "sig=ECDSA proto=TLSv1.2 200"
r=$(curl -s --max-time 10 --cacert "$P/ca.pem" --resolve \
    lyncweb.example.com:443:127.0.0.1 https://lyncweb.example.com/mtls/x)
expect_match "a backend client certificate is signed by the key service" \
    "$r" '^backend=TLS .* client=CN=rpxd test client '

# No private key in any worker's memory; every holder has them.
found=0
for f in lync-rsa.key lync-ecdsa.key client.key; do
	kb=$(key_bytes "$P/$f")
	pem=$(sed -n 3p "$P/$f" | tr -d '\n' | xxd -p | tr -d '\n')
	[ ${#kb} -ge 48 ] || fail "the test reads the private bytes of $f"
	for p in $(workers); do
		holds "$p" "$kb"; rc=$?
		[ $rc -ne 1 ] && found="$found $f@$p($rc)"
		python3 "$IT/memgrep.py" "$p" "$pem" >/dev/null; rc=$?
		[ $rc -ne 1 ] && found="$found pem:$f@$p($rc)"
	done
	for p in $(holders); do
		check "key holder $p holds the private bytes of $f" holds "$p" "$kb"
	done
done
expect "no worker's memory holds a private key or its PEM text" "$found" 0

# A holder that dies: logged, replaced, its workers replaced; TLS goes on.
old=$(holders | head -1)
kill -KILL "$old"
sleep 3.5
check "a killed key holder is logged" keys_log_has \
    "keys: key holder $old killed by signal 9"
expect "... and replaced" "$(holders | wc -l)" 2
check "... by a new process" bash -c "! pgrep -P $RPXD_PID -x rpxd-keys | grep -qx $old"
ok=0
for i in 1 2 3 4 5 6 7 8; do
	case $(handshake -tls1_3) in *" 200") ok=$((ok + 1)) ;; esac
done
expect "after the holder died every handshake succeeds" "$ok" 8

# A reload: new holders for the new keys; unset means four per CPU.
before=$(holders | tr '\n' ' ')
keys_conf '' > "$WORK/keys.conf"
kill -HUP "$RPXD_PID"
sleep 2
want=$(( $(nproc) * 4 )); [ "$want" -gt 64 ] && want=64
expect "key-holders unset: four holders per CPU after the reload" \
    "$(holders | wc -l)" "$want"
stale=0
for p in $before; do kill -0 "$p" 2>/dev/null && stale=$((stale + 1)); done
expect "the old generation's holders have exited" "$stale" 0
expect "a handshake after the reload succeeds" \
    "$(handshake -tls1_3 -sigalgs ecdsa_secp256r1_sha256)" \
    "sig=ECDSA proto=TLSv1.3 200"

# Started on one CPU (taskset): four holders, not four per online CPU.
if command -v taskset >/dev/null && [ "$(getconf _NPROCESSORS_ONLN)" -gt 1 ]; then
	stop_rpxd
	RPXD_WRAP="taskset -c 0" start_rpxd "$WORK/keys.conf" ||
	    fail "rpxd starts under taskset -c 0"
	for _ in $(seq 1 50); do [ "$(holders | wc -l)" -ge 4 ] && break; sleep 0.1; done
	sleep 0.5
	expect "under taskset -c 0: four holders ($(getconf _NPROCESSORS_ONLN) CPUs online)" \
	    "$(holders | wc -l)" 4
fi
