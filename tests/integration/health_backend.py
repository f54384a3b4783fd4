#!/usr/bin/env python3
# A backend for the health-check test (t_72_health.sh) that the test can
# stop and start: /small.txt answers 200 "small", /auth 401 with an NTLM
# challenge, /chunked a chunked 200 whose "all is well" spans two chunks,
# /slow 200 after 5 s, anything else 200 "backend=H<port>". Every request
# is appended to the access log given as the second argument:
# "<method> <path> <status> <Host> <User-Agent>".
# usage: health_backend.py PORT ACCESS_LOG
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = int(sys.argv[1])
LOG = sys.argv[2]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def note(self, status):
        with open(LOG, "a") as f:
            f.write("%s %s %d %s %s\n" % (
                self.command, self.path, status,
                self.headers.get("Host", "-"),
                self.headers.get("User-Agent", "-")))

    def answer(self, status, body, extra=()):
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
        self.note(status)

    def do_GET(self):
        if self.path == "/small.txt":
            self.answer(200, b"small\n")
        elif self.path == "/auth":
            self.answer(401, b"", [("WWW-Authenticate", "NTLM")])
        elif self.path == "/slow":
            time.sleep(5)
            self.answer(200, b"slow\n")
        elif self.path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (b"status: all is", b" well\n"):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
            self.note(200)
        else:
            self.answer(200, b"backend=H%d uri=%s\n" %
                        (PORT, self.path.encode()))


ThreadingHTTPServer.allow_reuse_address = True
ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
