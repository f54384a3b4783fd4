#!/usr/bin/env python3
"""Sends RPC_IN_DATA with Content-Length 1073741824 through the proxy as
Outlook does: a little body, a long silence, a little more. Prints
"sent N" after each part and "open" if the connection is still open (no
response, no close) at the end. Usage: rpc_client.py PORT PAUSE_S"""
import select
import socket
import sys
import time

port, pause = int(sys.argv[1]), float(sys.argv[2])
s = socket.create_connection(("127.0.0.1", port))
s.sendall(b"RPC_IN_DATA /rpc/rpcproxy.dll?mail.corp.local:6001 HTTP/1.1\r\n"
          b"Host: mail.example.com\r\nContent-Length: 1073741824\r\n"
          b"Content-Type: application/rpc\r\n\r\n")
s.sendall(b"a" * 4096)
print("sent 4096", flush=True)
time.sleep(pause)
readable, _, _ = select.select([s], [], [], 0)
if readable:
    print("closed or answered during the pause: %r" % s.recv(200))
    sys.exit(1)
s.sendall(b"b" * 4096)
print("sent 8192", flush=True)
time.sleep(1)
readable, _, _ = select.select([s], [], [], 0)
print("open" if not readable else "closed or answered: %r" % s.recv(200))
s.close()
