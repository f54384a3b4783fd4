# TLS (issue 3): testssl.sh, as an auditor would run it, against rpxd's
# listener on 127.0.0.1:443 with its default protocols and ciphers (the
# Mozilla intermediate profile); the checks read testssl's JSON output.
# Takes about 30 s.
if ! command -v testssl >/dev/null; then
	fail "testssl is installed (tests/install-deps.sh)"
	return 0 2>/dev/null
fi
start_nginx_tls || fail "nginx TLS backends start on 4443..4446"
P=$WORK/pki

testssl_conf() {
	base_conf
	cat <<CONF
tls-ticket-rotation = 3600
backend "fe" {
	server = { "127.0.0.1:4443" }
	tls = yes
	ca-file = "$P/ca.pem"
	verify-name = "fe01.corp.local"
}
listener "https" {
	address = "127.0.0.1"
	port = 443
	tls {
		certificate "$P/lync-rsa.pem" { key = "$P/lync-rsa.key" }
		certificate "$P/lync-ecdsa.pem" { key = "$P/lync-ecdsa.key" }
	}
	route "lync" {
		host = { "lyncweb.example.com", "meet.example.com" }
		backend = "fe"
	}
}
listener "http" {
	address = "127.0.0.1"
	port = 80
	route "redir" {
		host = { "lyncweb.example.com" }
		redirect-https = true
	}
}
CONF
}
testssl_conf > "$WORK/testssl.conf"
start_rpxd "$WORK/testssl.conf" && wait_port 127.0.0.1 443 5 ||
    fail "rpxd starts for testssl"

# -p protocols, -s cipher categories, -f forward secrecy, -S certificates
# and session resumption, -U vulnerabilities (RC4, SWEET32, ROBOT, ...);
# hostname for SNI and Host, connections to 127.0.0.1 only, no DNS lookups
# (testssl would ask DNS for CAA records of example.com).
rm -f "$WORK/testssl.json"
t0=$SECONDS
timeout 300 testssl --quiet --warnings batch --color 0 --ip 127.0.0.1 \
    --nodns none --add-ca "$P/ca.pem" --connect-timeout 5 \
    --openssl-timeout 5 --jsonfile "$WORK/testssl.json" -p -s -f -S -U \
    https://lyncweb.example.com/ > "$WORK/testssl.out" 2>&1
rc=$?
secs=$((SECONDS - t0))
check "testssl finished within 300 s (exit $rc, ${secs} s)" test "$rc" -ne 124 -a -s "$WORK/testssl.json"

# One line per assertion from the JSON: "ok<TAB>name" or
# "FAIL<TAB>name<TAB>what testssl said".
python3 - "$WORK/testssl.json" > "$WORK/testssl.checks" <<'PY'
import json, sys

try:
    findings = json.load(open(sys.argv[1]))
except (OSError, ValueError) as e:
    print("FAIL\ttestssl wrote readable JSON\t%s" % e)
    sys.exit(0)
by_id = {}
for f in findings:
    # per-certificate findings are "cert_keySize <cert#1>" and so on
    by_id.setdefault(f.get("id", "").split(" <cert#")[0], []).append(f)

def one(ident):
    f = by_id.get(ident)
    return f[0]["finding"] if f else "(no finding %s)" % ident

def check(name, ok, detail):
    print("%s\t%s\t%s" % ("ok" if ok else "FAIL", name, detail))

for p in ("SSLv2", "SSLv3", "TLS1", "TLS1_1"):
    check("testssl: %s not offered" % p, one(p).startswith("not offered"), one(p))
check("testssl: TLS 1.2 offered", one("TLS1_2") == "offered", one("TLS1_2"))
check("testssl: TLS 1.3 offered", one("TLS1_3").startswith("offered"), one("TLS1_3"))
for c, what in (("NULL", "NULL"), ("aNULL", "anonymous"),
                ("EXPORT", "EXPORT"), ("LOW", "LOW (DES, RC2, RC4)"),
                ("3DES_IDEA", "3DES/IDEA"), ("AVERAGE", "obsolete CBC")):
    v = one("cipherlist_" + c)
    check("testssl: no %s ciphers offered" % what, v == "not offered", v)
check("testssl: no RC4", one("RC4").startswith("not vulnerable"), one("RC4"))
check("testssl: forward secrecy offered", one("PFS") == "offered", one("PFS"))
check("testssl: ALPN offers http/1.1 only", one("ALPN") == "http/1.1", one("ALPN"))
check("testssl: two certificates (RSA and ECDSA) for lyncweb",
      one("cert_numbers") == "2", one("cert_numbers"))
sizes = sorted(f["finding"] for f in by_id.get("cert_keySize", []))
check("testssl: an RSA 2048 and an EC 256 key",
      sizes == ["EC 256 bits", "RSA 2048 bits"], repr(sizes))
chains = [f["finding"] for f in by_id.get("cert_chain_of_trust", [])]
check("testssl: each chain of trust passes (intermediate sent)",
      len(chains) == 2 and all(c.endswith("passed.") for c in chains),
      repr(chains))
for v in ("heartbleed", "CCS", "ticketbleed", "ROBOT", "secure_renego",
          "secure_client_renego", "CRIME_TLS", "POODLE_SSL", "fallback_SCSV",
          "SWEET32", "FREAK", "DROWN", "LOGJAM", "BEAST", "LUCKY13"):
    f = by_id.get(v)
    sev = f[0]["severity"] if f else "missing"
    check("testssl: %s OK" % v, sev == "OK", "%s: %s" % (sev, one(v)))
bad = ["%s %s: %s" % (f["severity"], f["id"], f["finding"][:80])
       for f in findings if f.get("severity") in ("HIGH", "CRITICAL")]
check("testssl: no HIGH or CRITICAL finding", not bad, "; ".join(bad))
PY
while IFS=$'\t' read -r st name detail; do
	if [ "$st" = ok ]; then pass "$name"; else fail "$name" "$detail"; fi
done < "$WORK/testssl.checks"
[ -s "$WORK/testssl.checks" ] || fail "testssl JSON assertions ran"
