#!/usr/bin/env python3
# Writes the seed corpora of the libFuzzer harnesses into
# tests/fuzz/corpus/<harness>/: real requests and responses, chunked
# bodies, NTLM type 1/2/3 messages (the type 3 verifies against the
# harness's NT hash), key-service datagrams, IPC frames and board
# contents, each with the few leading bytes its harness takes as
# parameters (see the harness). Run it from anywhere when a harness's
# input format changes; the output is committed.
import base64, hashlib, hmac, os, struct

HERE = os.path.dirname(os.path.abspath(__file__))
out = {}

def seed(harness, name, data):
    if isinstance(data, str):
        data = data.encode()
    out.setdefault(harness, []).append((name, data))

# ---- HTTP heads: two bytes choose where the prefix is cut, one the
# limits (even: the defaults, odd: small ones).
def cut(n, small=0):
    return struct.pack(">HB", n, small)

requests = {
    "get": "GET /index.html?q=1 HTTP/1.1\r\nHost: www.example.com\r\n"
           "User-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n",
    "post-length": "POST /form HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
                   "Content-Type: text/plain\r\n\r\nhello",
    "post-chunked": "POST /up HTTP/1.1\r\nHost: a\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    "connect": "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
    "options": "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
    "absolute": "GET http://b.example:8080/p/a%20th?x=y HTTP/1.1\r\n"
                "Host: b.example:8080\r\n\r\n",
    "http10": "\r\nGET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
    "expect": "PUT /f HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n"
              "Content-Length: 10\r\n\r\n",
    "upgrade": "GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, keep-alive\r\n"
               "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
    "ntlm": "GET /secure HTTP/1.1\r\nHost: intranet\r\n"
            "Authorization: NTLM TlRMTVNTUAABAAAAB4IIogAAAAAAAAAAAAAAAAAAAAAKAGFKAAAADw==\r\n\r\n",
    "smuggle": "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n"
               "Transfer-Encoding: chunked\r\n\r\n",
    "two-lengths": "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 3\r\n\r\nabc",
    "obs-fold": "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n",
}
for name, r in requests.items():
    seed("http_request", name, cut(len(r) // 2) + r.encode())
    seed("http_request", name + "-small-limits", cut(len(r) - 1, 0x51) + r.encode())

responses = {
    "200-length": "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                  "Content-Length: 2\r\n\r\nhi",
    "200-chunked": "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
    "204": "HTTP/1.1 204 No Content\r\nDate: Tue, 01 Dec 2026 10:00:00 GMT\r\n\r\n",
    "304": "HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n",
    "101": "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
           "Upgrade: websocket\r\n\r\n",
    "100": "HTTP/1.1 100 Continue\r\n\r\n",
    "401-ntlm": "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Negotiate\r\n"
                "WWW-Authenticate: NTLM\r\nContent-Length: 0\r\n\r\n",
    "http10-close": "HTTP/1.0 200 OK\r\nConnection: close\r\n\r\nbody",
    "empty-reason": "HTTP/1.1 503 \r\nRetry-After: 5\r\n\r\n",
}
for name, r in responses.items():
    seed("http_response", name, cut(len(r) // 3) + r.encode())
    seed("http_response", name + "-small-limits", cut(len(r) - 1, 0x33) + r.encode())

# ---- chunked: out room, number of piece sizes, piece sizes, stream.
chunked = {
    "simple": "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\nGET / HTTP/1.1\r\n",
    "ext-trailer": "4;name=value;q=\"a b\"\r\nwiki\r\n0\r\nExpires: never\r\n"
                   "X-Sum: 1\r\n\r\n",
    "upper-hex": "1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n",
    "bad-size": "zz\r\nxx\r\n0\r\n\r\n",
    "bare-lf": "3\nabc\n0\n\n",
    "overflow": "ffffffffffffffffff\r\n",
}
for i, (name, c) in enumerate(chunked.items()):
    seed("chunked", name, bytes([3 + i * 7, 3, 1, 4, 2]) + c.encode())

# ---- NTLM: type 1 (curl's), a type 2 (as a server sends it), a type 3
# whose NTLMv2 response verifies against fuzz_ntlm_msg.c's hash and
# challenge.
T1 = base64.b64decode("TlRMTVNTUAABAAAAB4IIogAAAAAAAAAAAAAAAAAAAAAKAGFKAAAADw==")
T1_NAMES = (b"NTLMSSP\0" + struct.pack("<II", 1, 0x62088207) +
            struct.pack("<HHI", 4, 4, 40) + struct.pack("<HHI", 2, 2, 44) +
            bytes(8) + b"CORPWS")

def secbuf(n, off):
    return struct.pack("<HHI", n, n, off)

def av(i, v):
    return struct.pack("<HH", i, len(v)) + v

def u16(s):
    return s.encode("utf-16-le")

def type2():
    ti = (av(2, u16("RPXACME")) + av(1, u16("RPXD")) +
          av(4, u16("acme.example")) + av(7, bytes(8)) + av(0, b""))
    name = u16("RPXACME")
    hdr = (b"NTLMSSP\0" + struct.pack("<I", 2) + secbuf(len(name), 56) +
           struct.pack("<I", 0xe28a8235) + bytes([0xa5] * 8) + bytes(8) +
           secbuf(len(ti), 56 + len(name)) + bytes([10, 0, 0x61, 0x4a, 0, 0, 0, 15]))
    return hdr + name + ti

def type3(user, domain, ws, unicode=True, version=1):
    nt_hash = bytes([1, 2, 3]) + bytes(13)
    chal = bytes([9, 8, 7]) + bytes(5)
    enc = u16 if unicode else (lambda s: s.encode())
    key = hmac.new(nt_hash, u16(user.upper() + domain), hashlib.md5).digest()
    blob = (bytes([version, 1]) + bytes(6) + struct.pack("<Q", 133000000000000000) +
            bytes([0x11] * 8) + bytes(4) + av(2, u16("RPXACME")) + av(0, b"") + bytes(4))
    proof = hmac.new(key, chal + blob, hashlib.md5).digest()
    nt = proof + blob
    lm = bytes(24)
    d, u, w = enc(domain), enc(user), enc(ws)
    off = 88
    fields = []
    payload = b""
    for part in (lm, nt, d, u, w, b""):
        fields.append(secbuf(len(part), off + len(payload)))
        payload += part
    flags = 0xa2888204 | (1 if unicode else 2)
    return (b"NTLMSSP\0" + struct.pack("<I", 3) + b"".join(fields) +
            struct.pack("<I", flags) + bytes([10, 0, 0x61, 0x4a, 0, 0, 0, 15]) +
            bytes(16) + payload)

T2 = type2()
T3 = type3("ruser1", "RPXACME", "CORPWS")
seed("ntlm_msg", "type1-curl", T1)
seed("ntlm_msg", "type1-names", T1_NAMES)
seed("ntlm_msg", "type2", T2)
seed("ntlm_msg", "type3-v2", T3)
seed("ntlm_msg", "type3-oem", type3("ruser1", "RPXACME", "WS", unicode=False))
seed("ntlm_msg", "type3-utf8-name", type3("J\u00f6rg", "D\u00dcSSELDORF", "PC"))
seed("ntlm_msg", "type3-bad-version", type3("a", "b", "c", version=2))

def der(tag, body):
    n = len(body)
    if n < 0x80:
        ln = bytes([n])
    elif n < 0x100:
        ln = bytes([0x81, n])
    else:
        ln = bytes([0x82, n >> 8, n & 0xff])
    return bytes([tag]) + ln + body

SPNEGO_OID = bytes.fromhex("06062b0601050502")
NTLM_OID = bytes.fromhex("060a2b06010401823702020a")
spnego_init = der(0x60, SPNEGO_OID + der(0xa0, der(0x30,
    der(0xa0, der(0x30, NTLM_OID)) + der(0xa2, der(0x04, T1)))))
spnego_resp = der(0xa1, der(0x30, der(0xa0, der(0x0a, b"\x01")) +
    der(0xa1, NTLM_OID) + der(0xa2, der(0x04, T2))))
krb = der(0x60, bytes.fromhex("06092a864886f712010202") + b"\x01\x00" + bytes(8))
b64 = lambda b: base64.b64encode(b).decode()
seed("ntlm_header", "ntlm-type1", "NTLM " + b64(T1))
seed("ntlm_header", "ntlm-type3", "NTLM " + b64(T3))
seed("ntlm_header", "challenge-list", 'Basic realm="a, b", NTLM ' + b64(T2))
seed("ntlm_header", "negotiate-spnego-type1", "Negotiate " + b64(spnego_init))
seed("ntlm_header", "negotiate-spnego-type2", "Negotiate " + b64(spnego_resp))
seed("ntlm_header", "negotiate-kerberos", "Negotiate " + b64(krb))
seed("ntlm_header", "bare-schemes", "Negotiate, NTLM")
seed("ntlm_header", "basic", "Basic dXNlcjpwYXNz")

# ---- base64
for name, s in (("padded", "aGVsbG8gd29ybGQ="), ("two-pad", "YQ=="),
                ("unpadded", "YWI"), ("token", b64(T3)), ("binary", bytes(range(256))),
                ("bad", "a$b=c")):
    seed("base64", name, s)

# ---- key service datagrams (host byte order, as keyproto.c copies):
# key id byte 0 = 0: the harness's RSA key, 1: its EC key. Deadline 0:
# far in the future.
NID_SHA256, NID_SHA384 = 672, 673

def keyreq(key, scheme, md, data, op=1):
    kid = bytes([key]) + bytes(31)
    return (struct.pack("=IQQ", op, 7, 0) + kid +
            struct.pack("=III", scheme, md, len(data)) + data)

def mgf1(seed_, n, h):
    out, c = b"", 0
    while len(out) < n:
        out += h(seed_ + struct.pack(">I", c)).digest()
        c += 1
    return out[:n]

def pss_block(bits=2048):
    h = hashlib.sha256
    em_len = (bits - 1 + 7) // 8
    mhash = h(b"message").digest()
    salt = bytes([0x5a] * 32)
    hh = h(bytes(8) + mhash + salt).digest()
    db = bytes(em_len - 32 - 32 - 2) + b"\x01" + salt
    mask = mgf1(hh, len(db), h)
    masked = bytearray(a ^ b for a, b in zip(db, mask))
    masked[0] &= 0xff >> (8 * em_len - (bits - 1))
    return bytes(masked) + hh + b"\xbc"

digest = hashlib.sha256(b"tls transcript").digest()
seed("keys", "rsa-pkcs1-sha256", keyreq(0, 1, NID_SHA256, digest))
seed("keys", "rsa-pss", keyreq(0, 2, 0, pss_block()))
seed("keys", "ecdsa-sha384", keyreq(1, 3, NID_SHA384, hashlib.sha384(b"x").digest()))
seed("keys", "rsa-raw-refused", keyreq(0, 2, 0, bytes(256)))
seed("keys", "unknown-key", keyreq(2, 1, NID_SHA256, digest))
seed("keys", "bad-op", keyreq(0, 1, NID_SHA256, digest, op=2))

# ---- health verdicts: flags (bit 0: expect 200/204, bit 1: body text,
# bit 2: "OK" rather than "healthy and well"), read sizes, answer.
verdicts = {
    "ok": (0, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK"),
    "ok-text": (6, "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\nstatus is OK"),
    "chunked-text": (3, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                        "7\r\nhealthy\r\n9\r\n and well\r\n0\r\n\r\n"),
    "early-hints": (6, "HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n"
                       "HTTP/1.1 200 OK\r\n\r\nall OK"),
    "503": (0, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n"),
    "204-expected": (1, "HTTP/1.1 204 No Content\r\n\r\n"),
    "garbage": (0, "SSH-2.0-OpenSSH_9.2\r\n"),
    "truncated": (2, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhealthy"),
}
for i, (name, (flags, r)) in enumerate(verdicts.items()):
    seed("verdict", name, bytes([flags, 2, i, 1]) + r.encode())

# ---- IPC: fds with the first send and EOF or not, first send size,
# frames (type, length, fd count; payload).
def frame(t, payload, nfds=0):
    return struct.pack("=III", t, len(payload), nfds) + payload

def mstr(s):
    return struct.pack("=I", len(s)) + s

check = (mstr(b"192.0.2.7") + bytes(range(8)) + mstr(b"ruser1") +
         mstr(b"RPXACME") + struct.pack("=I", 60) + bytes(60))
seed("ipc", "ntlm-check", bytes([0, 200]) + frame(9, check))
seed("ipc", "two-frames-split", bytes([4, 5]) + frame(13, struct.pack("=I", 3)) +
     frame(9, check))
seed("ipc", "fd-attached", bytes([1, 12]) + frame(3, struct.pack("=I", 0), 1))
seed("ipc", "two-fds", bytes([2, 12]) + frame(3, struct.pack("=I", 0), 1))
seed("ipc", "stalled", bytes([4, 12]) + struct.pack("=III", 9, 1000, 0) + bytes(10))
seed("ipc", "bad-type", bytes([0, 12]) + frame(99, b""))

# ---- status: live workers and flags, then the slots' and servers'
# memory as common/scoreboard.h and healthboard.h lay it out.
def slot(pid, state, since, client, conns=3, reqs=10, li=0, ri=1):
    return (struct.pack("=iIIIQQqiiQ", pid, 3, state, 0, conns, reqs, since,
                        li, ri, 0) + client.ljust(48, b"\0"))

def hb(state, active, down_until, last, run, checks, changed):
    return struct.pack("=IIqIIQqII", state, active, down_until, last, run,
                       checks, changed, 0, 0)

NOW = 1796212800  # 2026-12-02
seed("status", "busy-and-idle", bytes([2]) +
     slot(1000, 3, NOW - 5, b"192.0.2.1:5555") + slot(1001, 2, NOW - 100, b"") +
     b"".join(slot(0, 0, 0, b"") for _ in range(6)) +
     hb(0, 2, 0, 200, 5, 40, NOW - 3600) + hb(1, 0, 0, 0, 3, 40, NOW - 60))
seed("status", "ipv6-client", bytes([0]) +
     slot(1000, 3, NOW, b"[2001:db8::1]:44321", li=1, ri=0))

for harness, seeds in out.items():
    d = os.path.join(HERE, "corpus", harness)
    os.makedirs(d, exist_ok=True)
    for name, data in seeds:
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
