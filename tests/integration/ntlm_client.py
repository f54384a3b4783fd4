#!/usr/bin/env python3
"""NTLM clients for the integration tests (t_70_ntlm.sh, and t_71 for
oversize and replay), against the Apache backends of apache_ntlm.sh or
rpxd's own auth = ntlm, directly or through rpxd.

  rounds URL USER:PASS USER:PASS ... [--rounds N]
      one keep-alive requests.Session per user with requests_ntlm's
      HttpNtlmAuth; each round sends one request per user, alternating
      between the sessions; every answer must be 200 and name its own
      user. Prints "rounds=N users=U requests=R client_conns=...
      backend_conns=..."
      (TCP connections each user's session opened, and distinct backend
      connections, the conn= the backend saw, per user); exits 1 and says
      what differed otherwise.

  killed URL USER:PASS
      NTLM by hand (ntlm_auth) on one raw keep-alive socket: authenticate,
      check the answer names the user, print "authed user=... server=...
      conn=...",
      then wait for a line on stdin (the shell stops the backend
      meanwhile), send a second request without Authorization on the same
      connection and print what the client saw: "closed" (EOF, no
      response), or "status=NNN [user=... conn=...] closed|open" (a
      response, then EOF within 3 s or not).

  oversize URL USER:PASSWORD --nt-len N
      type 1 by ntlm_auth, then a hand-made type 3 for USER whose NT
      response is N bytes (an NTLMv2 start, then zeros); prints
      "status=NNN then=NNN|closed": the answer to it, then to a plain
      request on the same connection (or that it was closed).

  replay URL USER:PASSWORD
      logs in on one connection, then sends that type 3 again on a new
      connection after a fresh type 1 / type 2; prints "first=NNN
      replayed=NNN|closed".

USER is DOMAIN\\name. --host sets the Host header (and the TLS server name
in killed mode); https URLs take --cacert FILE or --insecure; --source
ADDRESS binds the client's end (killed, login, oversize, replay).
"""
import argparse
import base64
import hashlib
import re
import socket
import ssl
import struct
import sys
import urllib.parse


# --- MD4 for NTLM: OpenSSL 3 keeps MD4 in the legacy provider, which
# Python's hashlib does not load; ntlm_auth needs it for the NT hash.

def _md4(data):
    def f(x, y, z): return (x & y) | (~x & z)
    def g(x, y, z): return (x & y) | (x & z) | (y & z)
    def h(x, y, z): return x ^ y ^ z
    def rol(v, s):
        v &= 0xffffffff
        return ((v << s) | (v >> (32 - s))) & 0xffffffff
    msg = bytearray(data)
    bitlen = (8 * len(data)) & 0xffffffffffffffff
    msg.append(0x80)
    while len(msg) % 64 != 56:
        msg.append(0)
    msg += struct.pack("<Q", bitlen)
    a, b, c, d = 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476
    for off in range(0, len(msg), 64):
        x = struct.unpack("<16I", msg[off:off + 64])
        aa, bb, cc, dd = a, b, c, d
        for i in range(16):
            k, s = i, (3, 7, 11, 19)[i % 4]
            if i % 4 == 0: a = rol(a + f(b, c, d) + x[k], s)
            elif i % 4 == 1: d = rol(d + f(a, b, c) + x[k], s)
            elif i % 4 == 2: c = rol(c + f(d, a, b) + x[k], s)
            else: b = rol(b + f(c, d, a) + x[k], s)
        for i in range(16):
            k, s = (i % 4) * 4 + i // 4, (3, 5, 9, 13)[i % 4]
            t = 0x5a827999
            if i % 4 == 0: a = rol(a + g(b, c, d) + x[k] + t, s)
            elif i % 4 == 1: d = rol(d + g(a, b, c) + x[k] + t, s)
            elif i % 4 == 2: c = rol(c + g(d, a, b) + x[k] + t, s)
            else: b = rol(b + g(c, d, a) + x[k] + t, s)
        order = (0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15)
        for i in range(16):
            k, s = order[i], (3, 9, 11, 15)[i % 4]
            t = 0x6ed9eba1
            if i % 4 == 0: a = rol(a + h(b, c, d) + x[k] + t, s)
            elif i % 4 == 1: d = rol(d + h(a, b, c) + x[k] + t, s)
            elif i % 4 == 2: c = rol(c + h(d, a, b) + x[k] + t, s)
            else: b = rol(b + h(c, d, a) + x[k] + t, s)
        a, b = (a + aa) & 0xffffffff, (b + bb) & 0xffffffff
        c, d = (c + cc) & 0xffffffff, (d + dd) & 0xffffffff
    return struct.pack("<4I", a, b, c, d)


class _MD4:
    def __init__(self, data=b""):
        self._data = bytes(data)

    def update(self, data):
        self._data += bytes(data)

    def digest(self):
        return _md4(self._data)

    def hexdigest(self):
        return self.digest().hex()


def _install_md4():
    try:
        hashlib.new("md4", b"")
        return
    except ValueError:
        pass
    assert _md4(b"abc").hex() == "a448017aaf21d8525fc10ae87aa6729d"
    orig = hashlib.new

    def new(name, data=b"", **kw):
        if name.lower() == "md4":
            return _MD4(data)
        return orig(name, data, **kw)
    hashlib.new = new


_install_md4()


def split_user(spec):
    user, _, pw = spec.partition(":")
    dom, _, name = user.rpartition("\\")
    return user, dom, name, pw


BODY = re.compile(r"user=(\S+) server=(\S+) conn=(\S+) pid=(\d+)")


# --- rounds: requests + requests_ntlm, sessions interleaved

def rounds(a):
    import requests
    import urllib3
    from requests_ntlm import HttpNtlmAuth

    current = [None]
    opened = {}
    conn_classes = [urllib3.connection.HTTPConnection,
                    urllib3.connection.HTTPSConnection]
    for cls in conn_classes:
        orig = cls.connect

        def connect(self, _orig=orig):
            opened[current[0]] = opened.get(current[0], 0) + 1
            return _orig(self)
        cls.connect = connect

    verify = a.cacert if a.cacert else (not a.insecure)
    if a.insecure:
        urllib3.disable_warnings()
    users = [split_user(u) for u in a.users]
    sessions = []
    for user, dom, name, pw in users:
        s = requests.Session()
        s.auth = HttpNtlmAuth(user, pw, send_cbt=False)
        sessions.append(s)
    headers = {"Host": a.host} if a.host else {}
    backend = {u[0]: set() for u in users}
    errors = []
    n = 0
    for r in range(a.rounds):
        for (user, dom, name, pw), s in zip(users, sessions):
            current[0] = user
            try:
                resp = s.get(a.url, headers=headers, verify=verify,
                             timeout=10)
            except Exception as e:
                errors.append("round %d %s: %s" % (r, user, e))
                break
            n += 1
            m = BODY.search(resp.text)
            if resp.status_code != 200 or not m or m.group(1) != user:
                errors.append("round %d %s: status %d, body %r" % (
                    r, user, resp.status_code, resp.text[:200]))
            if m:
                backend[user].add(m.group(3))
        if errors:
            break
    summary = "rounds=%d users=%d requests=%d client_conns=%s " \
        "backend_conns=%s" % (
            a.rounds, len(users), n,
            ",".join("%s:%d" % (u[2], opened.get(u[0], 0)) for u in users),
            ",".join("%s:%d" % (u[2], len(backend[u[0]])) for u in users))
    if errors:
        print("FAILED after %d requests: %s" % (n, summary))
        for e in errors[:10]:
            print("  " + e)
        return 1
    print(summary)
    return 0


# --- killed: NTLM by hand on one socket

class Conn:
    def __init__(self, a):
        u = urllib.parse.urlsplit(a.url)
        self.path = u.path or "/"
        self.host = a.host or u.netloc
        port = u.port or (443 if u.scheme == "https" else 80)
        src = (a.source, 0) if a.source else None
        s = socket.create_connection((u.hostname, port), timeout=a.timeout,
                                     source_address=src)
        if u.scheme == "https":
            ctx = ssl.create_default_context(cafile=a.cacert)
            if a.insecure:
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
            s = ctx.wrap_socket(s, server_hostname=a.host or u.hostname)
        self.s = s
        self.buf = b""

    def send(self, auth=None):
        req = "GET %s HTTP/1.1\r\nHost: %s\r\n" % (self.path, self.host)
        if auth:
            req += "Authorization: %s\r\n" % auth
        self.s.sendall((req + "\r\n").encode())

    def _fill(self):
        try:
            d = self.s.recv(65536)
        except (ConnectionResetError, ssl.SSLError):
            d = b""
        self.buf += d
        return bool(d)

    def response(self):
        """(status, headers dict lower-cased, body), or None on EOF."""
        while b"\r\n\r\n" not in self.buf:
            if not self._fill():
                return None
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        hdrs = {}
        for l in lines[1:]:
            k, _, v = l.partition(":")
            hdrs.setdefault(k.strip().lower(), []).append(v.strip())
        if "chunked" in hdrs.get("transfer-encoding", [""])[0].lower():
            body = self._chunked()
        else:
            body = self._take(int(hdrs.get("content-length", ["0"])[0]))
        return status, hdrs, body.decode("latin-1")

    def _take(self, n):
        while len(self.buf) < n:
            if not self._fill():
                break
        got, self.buf = self.buf[:n], self.buf[n:]
        return got

    def _line(self):
        while b"\r\n" not in self.buf:
            if not self._fill():
                return b""
        line, _, self.buf = self.buf.partition(b"\r\n")
        return line

    def _chunked(self):
        body = b""
        while True:
            size = int(self._line().split(b";")[0] or b"0", 16)
            if size == 0:
                while self._line():	# trailers up to the empty line
                    pass
                return body
            body += self._take(size)
            self._line()

    def closed(self, wait):
        """True when the peer closes within wait seconds."""
        self.s.settimeout(wait)
        try:
            return not self._fill()
        except socket.timeout:
            return False


def handshake(c, spec, compat):
    """NTLM by hand on connection c as spec (DOMAIN\\USER:PASSWORD) at LM
    compatibility level compat: the answer to the type 3 message (None
    if the connection closed), or False after printing why there was no
    challenge to answer."""
    from ntlm_auth.ntlm import NtlmContext

    _, dom, name, pw = split_user(spec)
    ctx = NtlmContext(name, pw, domain=dom, ntlm_compatibility=compat)
    c.send("NTLM " + base64.b64encode(ctx.step()).decode())
    r = c.response()
    chal = None
    for v in (r[1].get("www-authenticate", []) if r else []):
        if v.startswith("NTLM "):
            chal = base64.b64decode(v[5:])
    if r is None or r[0] != 401 or chal is None:
        print("no NTLM challenge: %r" % (r,))
        return False
    c.send("NTLM " + base64.b64encode(ctx.step(chal)).decode())
    return c.response()


def killed(a):
    user = split_user(a.users[0])[0]
    c = Conn(a)
    r = handshake(c, a.users[0], 3)
    if r is False:
        return 1
    m = BODY.search(r[2]) if r else None
    if r is None or r[0] != 200 or not m or m.group(1) != user:
        print("authentication failed: %r" % (r,))
        return 1
    print("authed user=%s server=%s conn=%s" % m.group(1, 2, 3), flush=True)
    sys.stdin.readline()	# the shell stops the backend, then says go
    try:
        c.send()
    except OSError as e:
        print("closed (send: %s)" % e)
        return 0
    try:
        r = c.response()
    except socket.timeout:
        print("no answer in %g s, open" % a.timeout)
        return 0
    if r is None:
        print("closed")
        return 0
    m = BODY.search(r[2])
    out = "status=%d" % r[0]
    if m:
        out += " user=%s conn=%s" % (m.group(1), m.group(3))
    print(out + (" closed" if c.closed(3) else " open"))
    return 0


def post100_step(c, auth, body, wait, expect=True):
    """One POST the way .NET clients send it: the head with Expect:
    100-continue, then the body once 100 Continue came, or the final
    response came first and kept the connection (its framing still needs
    the body), or nothing came within wait seconds. Without expect, the
    head alone, then the body after wait seconds or after an early final
    response. Returns (final response or None, whether the final response
    came before the body)."""
    req = ("POST %s HTTP/1.1\r\nHost: %s\r\nAuthorization: %s\r\n"
           "Content-Type: text/xml\r\nContent-Length: %d\r\n%s\r\n" %
           (c.path, c.host, auth, len(body),
            "Expect: 100-continue\r\n" if expect else ""))
    c.s.sendall(req.encode())
    c.s.settimeout(wait)
    try:
        r = c.response()
    except socket.timeout:
        r = 100, {}, ""
    c.s.settimeout(c.timeout)
    if r is None:
        return None, False
    early = r[0] != 100
    if early and "close" in ",".join(r[1].get("connection", [])).lower():
        return r, True
    c.s.sendall(body)
    if early:
        return r, True
    while True:
        r = c.response()
        if r is None or r[0] != 100:
            return r, False


def post100(a):
    """An NTLM login with POSTs that carry Expect: 100-continue and a body
    (.NET's EWS, Autodiscover, web ticket service): prints what each step
    got, e.g. "challenge=401 early=yes kept=yes final=200 user=...
    conn=...", or why it stopped."""
    from ntlm_auth.ntlm import NtlmContext

    _, dom, name, pw = split_user(a.users[0])
    ctx = NtlmContext(name, pw, domain=dom, ntlm_compatibility=3)
    c = Conn(a)
    c.timeout = a.timeout
    body = a.body.encode()
    r, early = post100_step(c, "NTLM " + base64.b64encode(ctx.step()).decode(),
                            body, a.wait, not a.no_expect)
    if r is None:
        print("closed before the challenge")
        return 0
    out = "challenge=%d early=%s" % (r[0], "yes" if early else "no")
    chal = None
    for v in r[1].get("www-authenticate", []):
        if v.split(" ")[0] in ("NTLM", "Negotiate"):
            chal = base64.b64decode(v.split(" ", 1)[1])
    if "close" in ",".join(r[1].get("connection", [])).lower():
        print(out + " kept=no (Connection: close)")
        return 0
    if r[0] != 401 or chal is None:
        print(out + " no challenge")
        return 0
    out += " kept=yes"
    try:
        r, _ = post100_step(c, "NTLM " + base64.b64encode(ctx.step(chal)).decode(),
                            body, a.wait, not a.no_expect)
    except OSError as e:
        print(out + " final=closed (%s)" % e)
        return 0
    if r is None:
        print(out + " final=closed")
        return 0
    first = r[2].split("\n")[0]
    print(out + " final=%d %s" % (r[0], first))
    return 0


def login(a):
    """One NTLM handshake on one connection at LM compatibility level
    --compat (0-2 send NTLMv1, 3 NTLMv2); prints the final status and the
    body's first line, e.g. "status=200 user=RPXTEST\\alice"."""
    r = handshake(Conn(a), a.users[0], a.compat)
    if r is False:
        return 1
    if r is None:
        print("closed")
        return 0
    body = r[2] if isinstance(r[2], str) else r[2].decode("utf-8", "replace")
    first = body.split("\n")[0]
    print("status=%d %s" % (r[0], first))
    return 0


def type3(user, domain, nt):
    """A Unicode AUTHENTICATE message with an empty LM response."""
    flags = 0x00000001 | 0x00000200 | 0x00080000
    fields = [b"", nt, domain.encode("utf-16-le"),
              user.encode("utf-16-le"), "WS".encode("utf-16-le"), b""]
    hdr, body = b"NTLMSSP\0" + struct.pack("<I", 3), b""
    for f in fields:
        hdr += struct.pack("<HHI", len(f), len(f), 64 + len(body))
        body += f
    return hdr + struct.pack("<I", flags) + body


def after(c):
    """The status of a plain request on c, or "closed"."""
    try:
        c.send()
        r = c.response()
    except OSError:
        r = None
    return "closed" if r is None else "%d" % r[0]


def oversize(a):
    from ntlm_auth.ntlm import NtlmContext

    _, dom, name, pw = split_user(a.users[0])
    c = Conn(a)
    c.send("NTLM " + base64.b64encode(
        NtlmContext(name, pw, domain=dom).step()).decode())
    r = c.response()
    if r is None or r[0] != 401:
        print("no NTLM challenge: %r" % (r,))
        return 1
    nt = b"\x11" * 16 + b"\x01\x01" + b"\0" * (a.nt_len - 18)
    c.send("NTLM " + base64.b64encode(type3(name, dom, nt)).decode())
    r = c.response()
    print("status=%s then=%s" % ("closed" if r is None else r[0],
                                 "closed" if r is None else after(c)))
    return 0


def replay(a):
    from ntlm_auth.ntlm import NtlmContext

    _, dom, name, pw = split_user(a.users[0])
    c = Conn(a)
    ctx = NtlmContext(name, pw, domain=dom, ntlm_compatibility=3)
    c.send("NTLM " + base64.b64encode(ctx.step()).decode())
    r = c.response()
    chal = [v for v in (r[1].get("www-authenticate", []) if r else [])
            if v.startswith("NTLM ")]
    if not chal:
        print("no NTLM challenge: %r" % (r,))
        return 1
    t3 = "NTLM " + base64.b64encode(
        ctx.step(base64.b64decode(chal[0][5:]))).decode()
    c.send(t3)
    r = c.response()
    first = "closed" if r is None else "%d" % r[0]
    c = Conn(a)
    c.send("NTLM " + base64.b64encode(
        NtlmContext(name, pw, domain=dom).step()).decode())
    r = c.response()
    if r is None or r[0] != 401:
        print("first=%s no second challenge: %r" % (first, r))
        return 1
    c.send(t3)
    r = c.response()
    print("first=%s replayed=%s" % (first,
                                    "closed" if r is None else r[0]))
    return 0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=("rounds", "killed", "login", "oversize",
                                    "replay", "post100"))
    p.add_argument("url")
    p.add_argument("users", nargs="+", metavar="DOMAIN\\USER:PASSWORD")
    p.add_argument("--rounds", type=int, default=200)
    p.add_argument("--host", help="Host header (and TLS server name)")
    p.add_argument("--cacert")
    p.add_argument("--insecure", action="store_true")
    p.add_argument("--timeout", type=float, default=10.0)
    p.add_argument("--compat", type=int, default=3,
                   help="login: LM compatibility level (0-2: NTLMv1)")
    p.add_argument("--body", default="<x/>\n",
                   help="post100: the body of each POST")
    p.add_argument("--wait", type=float, default=2.0,
                   help="post100: how long to wait for 100 Continue")
    p.add_argument("--no-expect", action="store_true",
                   help="post100: no Expect; the body follows after --wait")
    p.add_argument("--source", help="the client's own address")
    p.add_argument("--nt-len", type=int, default=5000,
                   help="oversize: bytes of the NT response")
    a = p.parse_args()
    if a.mode == "rounds":
        return rounds(a)
    if a.mode == "login":
        return login(a)
    if a.mode == "post100":
        return post100(a)
    if a.mode == "oversize":
        return oversize(a)
    if a.mode == "replay":
        return replay(a)
    return killed(a)


if __name__ == "__main__":
    sys.exit(main())
