#!/usr/bin/env python3
"""NTLM logins through rpxd's auth = "ntlm", for bench/ad_logins.sh:
CLIENTS processes each log in again and again for SECONDS, every login a
new TCP connection: GET with a type 1, the 401 with rpxd's type 2, GET
with the type 3 (NTLMv2, python3-ntlm-auth), which must get 200. Prints
one line: logins=N ok=N failed=N per_s=N login_p50_ms= login_p90_ms=
type3_p50_ms= type3_p90_ms= (type3: from sending the type 3 to the whole
200, the leg that holds the master's check, a domain round trip with
ntlm-source = "winbind").

Usage: ad_logins.py URL HOST DOMAIN\\USER PASSWORD CLIENTS SECONDS
"""
import base64
import multiprocessing
import os
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "integration"))
import ntlm_client  # noqa: E402,F401  (MD4 for hashlib under OpenSSL 3)
from ntlm_auth.ntlm import NtlmContext  # noqa: E402


def read_response(s):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            raise EOFError("closed")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    fields = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        fields.setdefault(k.strip().lower(), v.strip())
    n = int(fields.get("content-length", "0"))
    while len(body) < n:
        chunk = s.recv(65536)
        if not chunk:
            break
        body += chunk
    return status, fields


def request(s, host, path, token):
    s.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\nAuthorization: NTLM %s\r\n"
               "\r\n" % (path, host, token)).encode())


def one_login(addr, host, path, user, domain, password):
    t0 = time.monotonic()
    ctx = NtlmContext(user, password, domain, ntlm_compatibility=3)
    s = socket.create_connection(addr, timeout=30)
    try:
        request(s, host, path, base64.b64encode(ctx.step()).decode())
        status, fields = read_response(s)
        chal = fields.get("www-authenticate", "")
        if status != 401 or not chal.startswith("NTLM "):
            return False, 0, 0
        t3 = ctx.step(base64.b64decode(chal[5:]))
        t1 = time.monotonic()
        request(s, host, path, base64.b64encode(t3).decode())
        status, _ = read_response(s)
        t2 = time.monotonic()
        return status == 200, t2 - t0, t2 - t1
    finally:
        s.close()


def client(args, q):
    url, host, who, password, seconds = args
    dom, _, user = who.rpartition("\\")
    hp = url.split("//", 1)[1].split("/", 1)
    h, _, p = hp[0].partition(":")
    addr = (h, int(p or 80))
    path = "/" + (hp[1] if len(hp) > 1 else "")
    end = time.monotonic() + seconds
    ok = failed = 0
    logins, legs = [], []
    while time.monotonic() < end:
        try:
            good, total, leg = one_login(addr, host, path, user, dom,
                                         password)
        except (OSError, EOFError, ValueError):
            good, total, leg = False, 0, 0
        if good:
            ok += 1
            logins.append(total)
            legs.append(leg)
        else:
            failed += 1
    q.put((ok, failed, logins, legs))


def pct(v, p):
    if not v:
        return 0.0
    v = sorted(v)
    return v[min(len(v) - 1, int(len(v) * p))] * 1000


def main():
    url, host, who, password = sys.argv[1:5]
    clients, seconds = int(sys.argv[5]), float(sys.argv[6])
    q = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=client, args=(
        (url, host, who, password, seconds), q)) for _ in range(clients)]
    for p in procs:
        p.start()
    ok = failed = 0
    logins, legs = [], []
    for _ in procs:
        o, f, lg, lgs = q.get()
        ok, failed = ok + o, failed + f
        logins += lg
        legs += lgs
    for p in procs:
        p.join()
    print("logins=%d ok=%d failed=%d per_s=%.0f login_p50_ms=%.2f "
          "login_p90_ms=%.2f type3_p50_ms=%.2f type3_p90_ms=%.2f" % (
              ok + failed, ok, failed, ok / seconds, pct(logins, 0.5),
              pct(logins, 0.9), pct(legs, 0.5), pct(legs, 0.9)))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
