#!/usr/bin/env python3
"""mem_hold: one keep-alive client connection for bench/worker_mem.sh. It
connects to 127.0.0.1:PORT (TLS when SNI is not "-", the chain not
verified), sends the requests given, in order, each read whole by its
Content-Length, prints "ready PORT" (its own port, by which the script
finds the worker on the other end) and then holds the connection idle
until it is killed.

usage: mem_hold.py PORT SNI|- HOST REQUEST...
  REQUEST: PATH (a plain GET) or PATH+BYTES (a GET with an X-Pad field of
  BYTES bytes, to make the worker read a large head)
"""
import signal
import socket
import ssl
import sys


def read_response(s):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            raise SystemExit("mem_hold: connection closed in a head")
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    length = None
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    if length is None:
        raise SystemExit("mem_hold: response without Content-Length")
    while len(body) < length:
        chunk = s.recv(65536)
        if not chunk:
            raise SystemExit("mem_hold: connection closed in a body")
        body += chunk
    return head.split(b"\r\n")[0].decode()


def main():
    port, sni, host = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    if sni != "-":
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        s = ctx.wrap_socket(s, server_hostname=sni)
    for spec in sys.argv[4:]:
        path, _, pad = spec.partition("+")
        extra = "X-Pad: %s\r\n" % ("p" * int(pad)) if pad else ""
        s.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\n%s\r\n" %
                   (path, host, extra)).encode())
        status = read_response(s)
        if " 200 " not in status + " ":
            raise SystemExit("mem_hold: %s: %s" % (spec, status))
    print("ready %d" % s.getsockname()[1], flush=True)
    signal.pause()


main()
