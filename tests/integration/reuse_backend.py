#!/usr/bin/env python3
"""A keep-alive backend for t_77_backend_reuse.sh that numbers its TCP
connections and the requests on each, so a test sees which connection a
request came on: every answer is "conn=C req=R method=M path=P body=N"
(N: request body bytes received). One line per new connection ("conn C")
and per request ("C R METHOD PATH") goes to stdout. By path:

  /race...   as the 2nd or later request on its connection: closed without
             an answer, as a server does that closes an idle keep-alive
             connection just as a request arrives
  /rst...    the same with a reset (SO_LINGER 0)
  /bye...    answered, then the connection is closed 0.3 s later while
             idle (a server's keep-alive timeout)
  /ntlm...   401 with "WWW-Authenticate: NTLM": a connection-bound
             challenge, which pins the connection in rpxd
  /keepclose...  answered with "Connection: close", yet the connection
             is kept open and served on
  /extra...  5 bytes more than the Content-Length it announces

"eof C" is logged when the peer closes connection C.

Usage: reuse_backend.py PORT. Runs until killed."""
import socket
import struct
import sys
import threading
import time

lock = threading.Lock()
conns = 0


def log(line):
    with lock:
        print(line, flush=True)


def read_request(conn, buf):
    """(head, body, rest) of the next request, or None at EOF."""
    while b"\r\n\r\n" not in buf:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        buf += chunk
    head, buf = buf.split(b"\r\n\r\n", 1)
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(buf) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        buf += chunk
    return head, buf[:length], buf[length:]


def serve(conn, cid):
    buf = b""
    n = 0
    while True:
        got = read_request(conn, buf)
        if got is None:
            log("eof %d" % cid)
            break
        head, body, buf = got
        n += 1
        method, path = head.split(b" ")[0:2]
        method, path = method.decode(), path.decode()
        log("%d %d %s %s" % (cid, n, method, path))
        if n >= 2 and (path.startswith("/race") or path.startswith("/rst")):
            if path.startswith("/rst"):
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                struct.pack("ii", 1, 0))
            break
        text = ("conn=%d req=%d method=%s path=%s body=%d\n"
                % (cid, n, method, path, len(body))).encode()
        status = b"200 OK"
        extra = b""
        after = b""
        if path.startswith("/ntlm"):
            status = b"401 Unauthorized"
            extra = b"WWW-Authenticate: NTLM\r\n"
        elif path.startswith("/keepclose"):
            extra = b"Connection: close\r\n"
        elif path.startswith("/extra"):
            after = b"XXXXX"
        conn.sendall(b"HTTP/1.1 %s\r\n%sContent-Type: text/plain\r\n"
                     b"Content-Length: %d\r\n\r\n%s%s"
                     % (status, extra, len(text),
                        b"" if method == "HEAD" else text, after))
        if path.startswith("/bye"):
            time.sleep(0.3)
            break
    conn.close()


def main():
    global conns
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", int(sys.argv[1])))
    s.listen(64)
    while True:
        conn, _ = s.accept()
        with lock:
            conns += 1
            cid = conns
        log("conn %d" % cid)
        threading.Thread(target=serve, args=(conn, cid), daemon=True).start()


if __name__ == "__main__":
    main()
