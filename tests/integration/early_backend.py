#!/usr/bin/env python3
"""A backend that challenges on the head, the way IIS does: a POST with
an NTLM (or Negotiate) type 1 message gets 401 with a type 2 challenge as
soon as its head is read, before its body, on a kept connection; then the
body is read and thrown away. The type 3 message gets 100 Continue when
the request asks for it, its body is read, and 200 says who logged in and
on which connection: "user=DOMAIN\\user conn=ADDR:PORT body=N". A path
ending in /late gets its challenge 0.5 s after the head, so that a client
that waits less sends its body first. The
password is not checked: this backend tests the connection handling of
the proxy in front of it, Apache httpd with gss-ntlmssp tests the real
NTLM check. Usage: early_backend.py PORT."""
import base64
import socket
import socketserver
import struct
import sys
import time


def challenge():
    """An NTLM CHALLENGE_MESSAGE (MS-NLMP 2.2.1.2) with a NetBIOS domain
    in its target info."""
    dom = "RPXTEST".encode("utf-16-le")
    info = struct.pack("<HH", 2, len(dom)) + dom + struct.pack("<HH", 0, 0)
    flags = 0x00898205	# UNICODE, REQUEST_TARGET, NTLM, DOMAIN, ESS, TARGET_INFO
    head = b"NTLMSSP\0" + struct.pack("<I", 2)
    head += struct.pack("<HHI", 0, 0, 56) + struct.pack("<I", flags)
    head += b"\x11\x22\x33\x44\x55\x66\x77\x88" + b"\0" * 8
    head += struct.pack("<HHI", len(info), len(info), 56) + b"\x06\x01\xb1\x1d\0\0\0\x0f"
    return head + info


def utf16_field(msg, at):
    n, _, off = struct.unpack_from("<HHI", msg, at)
    return msg[off:off + n].decode("utf-16-le", "replace")


class Handler(socketserver.StreamRequestHandler):
    timeout = 30

    def head(self):
        lines = []
        while True:
            line = self.rfile.readline(65536)
            if not line:
                return None
            if line in (b"\r\n", b"\n"):
                break
            lines.append(line.decode("latin-1").rstrip("\r\n"))
        hdrs = {}
        for l in lines[1:]:
            k, _, v = l.partition(":")
            hdrs[k.strip().lower()] = v.strip()
        return lines[0], hdrs

    def send(self, status, hdrs, body=b""):
        out = "HTTP/1.1 %s\r\n" % status
        for k, v in hdrs:
            out += "%s: %s\r\n" % (k, v)
        out += "Content-Length: %d\r\n\r\n" % len(body)
        self.wfile.write(out.encode() + body)
        self.wfile.flush()

    def handle(self):
        peer = "%s:%d" % self.client_address[:2]
        while True:
            r = self.head()
            if r is None:
                return
            line, hdrs = r
            length = int(hdrs.get("content-length", "0"))
            scheme, _, token = hdrs.get("authorization", "").partition(" ")
            msg = base64.b64decode(token) if token else b""
            mtype = struct.unpack_from("<I", msg, 8)[0] if len(msg) >= 12 else 0
            if mtype == 3:
                if hdrs.get("expect", "").lower() == "100-continue":
                    self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
                    self.wfile.flush()
                body = self.rfile.read(length)
                who = "%s\\%s" % (utf16_field(msg, 28), utf16_field(msg, 36))
                self.send("200 OK", [("Content-Type", "text/plain")],
                          ("user=%s conn=%s body=%d\n" % (who, peer,
                           len(body))).encode())
                continue
            # type 1 or nothing: the challenge at once (/late: in 0.5 s),
            # then the body
            if line.split(" ")[1].endswith("/late"):
                time.sleep(0.5)
            chal = scheme if scheme in ("NTLM", "Negotiate") else "NTLM"
            auth = chal if mtype != 1 else "%s %s" % (
                chal, base64.b64encode(challenge()).decode())
            self.send("401 Unauthorized", [("WWW-Authenticate", auth),
                                           ("Content-Type", "text/plain")],
                      b"challenge\n")
            got = self.rfile.read(length)
            sys.stdout.write("%s %s type=%d body %d of %d\n" % (
                peer, line, mtype, len(got), length))
            sys.stdout.flush()
            if len(got) < length:
                return


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


if __name__ == "__main__":
    Server(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
