#!/usr/bin/env python3
"""Many NTLM logins at once from one source address (t_98_winbind_queue.sh).

  login_flood.py HOST-HEADER SOURCE COUNT STATUS-FILE

Opens COUNT connections to 127.0.0.1:80 from SOURCE; on each, a type 1
(hand-made) gets the 401 with rpxd's challenge, then a hand-made type 3
for CORP\\mallory with a made-up NTLMv2 response goes out, so that every
login lands with the domain checkers. One second after the last type 3
it writes "sent=N at_once=K" to STATUS-FILE (K: logins already answered,
which the master refused without queueing them); then it waits up to 30
s for the rest and appends "answered=N statuses=503:x,..." to the file.
"""
import base64
import re
import selectors
import socket
import struct
import sys
import time


def type1():
    flags = 0x00000001 | 0x00000004 | 0x00000200 | 0x00080000
    return b"NTLMSSP\0" + struct.pack("<II", 1, flags) + b"\0" * 16


def type3(user, domain):
    nt = b"\x11" * 16 + b"\x01\x01" + b"\0" * 30
    flags = 0x00000001 | 0x00000200 | 0x00080000
    fields = [b"", nt, domain.encode("utf-16-le"),
              user.encode("utf-16-le"), "WS".encode("utf-16-le"), b""]
    hdr, body = b"NTLMSSP\0" + struct.pack("<I", 3), b""
    for f in fields:
        hdr += struct.pack("<HHI", len(f), len(f), 64 + len(body))
        body += f
    return hdr + struct.pack("<I", flags) + body


def request(host, token):
    return ("GET /whoami HTTP/1.1\r\nHost: %s\r\nAuthorization: NTLM %s"
            "\r\n\r\n" % (host, base64.b64encode(token).decode())).encode()


def read_response(s, deadline):
    """(status, head) of one response with its body, or None."""
    data = b""
    while b"\r\n\r\n" not in data:
        s.settimeout(max(0.01, deadline - time.time()))
        try:
            chunk = s.recv(65536)
        except OSError:
            return None
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    m = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    want = int(m.group(1)) if m else 0
    while len(body) < want:
        s.settimeout(max(0.01, deadline - time.time()))
        chunk = s.recv(65536)
        if not chunk:
            break
        body += chunk
    return int(head.split(b" ", 2)[1]), head.decode("latin-1")


def main():
    host, source, count, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), \
        sys.argv[4]
    conns = []
    t0 = time.time()
    deadline = time.time() + 20
    for _ in range(count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind((source, 0))
        s.settimeout(10)
        s.connect(("127.0.0.1", 80))
        s.sendall(request(host, type1()))
        conns.append(s)
    ready = []
    for s in conns:
        r = read_response(s, deadline)
        m = r and re.search(r"(?im)^www-authenticate:\s*NTLM\s+(\S+)", r[1])
        if r is None or r[0] != 401 or not m:
            print("no challenge on a connection: %r" % (r,))
            return 1
        ready.append(s)
    t1 = time.time()
    for s in ready:
        s.sendall(request(host, type3("mallory", "CORP")))
    sys.stderr.write("challenges in %.2f s\n" % (t1 - t0))
    time.sleep(1)
    sel = selectors.DefaultSelector()
    for s in ready:
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
    statuses = {}

    def collect(timeout):
        n = 0
        for key, _ in sel.select(timeout):
            s = key.fileobj
            sel.unregister(s)
            r = read_response(s, time.time() + 2)
            st = "closed" if r is None else str(r[0])
            statuses[st] = statuses.get(st, 0) + 1
            n += 1
        return n

    at_once = 0
    while True:
        n = collect(0)
        if n == 0:
            break
        at_once += n
    with open(out, "w") as f:
        f.write("sent=%d at_once=%d\n" % (len(ready), at_once))
    end = time.time() + 30
    while sel.get_map() and time.time() < end:
        collect(1)
    with open(out, "a") as f:
        f.write("answered=%d statuses=%s\n" % (
            sum(statuses.values()),
            ",".join("%s:%d" % kv for kv in sorted(statuses.items()))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
