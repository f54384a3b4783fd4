#!/usr/bin/env python3
"""A backend for the tunnel and timeout tests: answers an Upgrade request
with 101 and then echoes every byte back until the client closes; never
answers GET /silent; anything else gets a plain 200. One thread per
connection; it runs until the test harness kills it."""
import socket
import sys
import threading
import time


def serve(conn):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            conn.close()
            return
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    if head.startswith(b"GET /silent"):
        # never answer: the proxy's backend-timeout must end it
        time.sleep(30)
        conn.close()
        return
    if b"\nupgrade: websocket" in head.lower():
        conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\n"
                     b"Upgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
        if rest:
            conn.sendall(rest)
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            conn.sendall(chunk)
    else:
        body = b"plain\n"
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s"
                     % (len(body), body))
    conn.close()


def main():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", int(sys.argv[1])))
    s.listen(16)
    while True:
        conn, _ = s.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()
