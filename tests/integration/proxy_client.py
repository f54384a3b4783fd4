#!/usr/bin/env python3
"""A client behind a layer-4 balancer, for the PROXY protocol tests: sends
a PROXY header (v1, v2 with TLVs, v2 LOCAL, a partial one, or none) with a
chosen source address, then optionally TLS, then one GET, and prints the
status line and the body's first line, or "closed" when the proxy closed
without answering. Usage: proxy_client.py PORT MODE SRC [--tls CAFILE]
[--host HOST] [--path PATH] [--connect ADDR]; MODE is v1, v2, v2local, partial or none."""
import argparse
import ipaddress
import socket
import ssl
import struct
import sys
import time

SIG = b"\r\n\r\n\x00\r\nQUIT\n"


def header(mode, src, sport, dst, dport):
    a = ipaddress.ip_address(src)
    if mode == "v1":
        fam = "TCP4" if a.version == 4 else "TCP6"
        if a.version == 6:
            dst = "::1"
        return ("PROXY %s %s %s %d %d\r\n" % (fam, src, dst, sport,
                                              dport)).encode()
    if mode in ("v2", "partial"):
        if a.version == 4:
            addr = a.packed + ipaddress.ip_address(dst).packed
            fam = 0x11
        else:
            addr = a.packed + ipaddress.ip_address("::1").packed
            fam = 0x21
        addr += struct.pack("!HH", sport, dport)
        # TLVs rpxd does not use: ALPN, authority, a custom type 0xE0
        tlvs = (b"\x01" + struct.pack("!H", 8) + b"http/1.1" +
                b"\x02" + struct.pack("!H", 11) + b"example.com" +
                b"\xe0" + struct.pack("!H", 3) + b"xyz")
        body = addr + tlvs
        return SIG + bytes([0x21, fam]) + struct.pack("!H", len(body)) + body
    if mode == "v2local":
        return SIG + bytes([0x20, 0x00]) + struct.pack("!H", 0)
    return b""


def main():
    p = argparse.ArgumentParser()
    p.add_argument("port", type=int)
    p.add_argument("mode", choices=("v1", "v2", "v2local", "partial", "none"))
    p.add_argument("src")
    p.add_argument("--tls")
    p.add_argument("--host", default="lyncweb.example.com")
    p.add_argument("--path", default="/")
    p.add_argument("--timeout", type=float, default=10)
    p.add_argument("--connect", default="127.0.0.1",
                   help="the proxy's address")
    a = p.parse_args()
    s = socket.create_connection((a.connect, a.port), timeout=a.timeout)
    h = header(a.mode, a.src, 40000, "127.0.0.1", a.port)
    try:
        t0 = time.time()
        if a.mode == "partial":
            s.sendall(h[:20])	# then nothing more
        else:
            s.sendall(h)
            if a.tls:
                ctx = ssl.create_default_context(cafile=a.tls)
                s = ctx.wrap_socket(s, server_hostname=a.host)
            s.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\n"
                       "Connection: close\r\n\r\n" % (a.path, a.host)).encode())
        got = b""
        while True:
            d = s.recv(65536)
            if not d:
                break
            got += d
    except (OSError, ssl.SSLError) as e:
        got = b""
    if not got:
        print("closed after %d s" % round(time.time() - t0)
              if a.mode == "partial" else "closed")
        return 0
    head, _, body = got.partition(b"\r\n\r\n")
    print(head.split(b"\r\n")[0].decode(), body.decode().split("\n")[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
