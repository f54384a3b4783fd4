#!/usr/bin/env python3
"""An Outlook Anywhere stand-in for the long-lived traffic test: takes
RPC_IN_DATA with a huge Content-Length and, like Exchange, never answers
before the body ends; after every read it writes the byte count so far to
the file named on the command line, so the test sees that the proxy
streamed the body at once. Usage: rpc_backend.py PORT COUNTFILE"""
import socket
import sys
import threading


def serve(conn, countfile):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            conn.close()
            return
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    with open(countfile + ".head", "wb") as f:
        f.write(head)
    got = len(body)
    while True:
        with open(countfile, "w") as f:
            f.write(str(got))
        chunk = conn.recv(65536)
        if not chunk:
            break
        got += len(chunk)
    conn.close()


def main():
    port, countfile = int(sys.argv[1]), sys.argv[2]
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(16)
    while True:
        conn, _ = s.accept()
        threading.Thread(target=serve, args=(conn, countfile),
                         daemon=True).start()


main()
