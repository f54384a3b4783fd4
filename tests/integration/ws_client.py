#!/usr/bin/env python3
"""Client side of the tunnel test: sends an Upgrade request, expects 101,
then sends messages and prints what the echo backend returns. Usage:
ws_client.py PORT [HOST [AUTHORIZATION]]: an Authorization value makes
it the upgrade of a connection pinned by NTLM or Negotiate."""
import socket
import sys

s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
host = sys.argv[2] if len(sys.argv) > 2 else "ws.example.com"
auth = ("Authorization: %s\r\n" % sys.argv[3]) if len(sys.argv) > 3 else ""
s.sendall(("GET /ws HTTP/1.1\r\nHost: %s\r\n%s" % (host, auth)).encode() +
          b"Connection: Upgrade\r\nUpgrade: websocket\r\n"
          b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: x3JJHMbDL1EzLkh9GBhXDw==\r\n\r\n")
data = b""
while b"\r\n\r\n" not in data:
    chunk = s.recv(4096)
    if not chunk:
        break
    data += chunk
head, rest = data.split(b"\r\n\r\n", 1) if b"\r\n\r\n" in data else (data, b"")
print(head.split(b"\r\n")[0].decode())
out = rest
for msg in (b"ping-1", b"ping-2"):
    s.sendall(msg)
    while len(out) < len(msg):
        chunk = s.recv(4096)
        if not chunk:
            break
        out += chunk
    print(out[:len(msg)].decode())
    out = out[len(msg):]
s.close()
