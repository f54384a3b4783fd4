#!/usr/bin/env python3
"""Client side of the tunnel test: sends an Upgrade request, expects 101,
then sends messages and prints what the echo backend returns."""
import socket
import sys

s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(b"GET /ws HTTP/1.1\r\nHost: ws.example.com\r\n"
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
