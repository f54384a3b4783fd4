#!/usr/bin/env python3
"""Raw HTTP client for the integration tests: sends exact bytes (Python
escapes allowed in the argument), optionally in pieces with pauses, and
prints what came back, so malformed and slow requests can be driven."""
import re
import socket
import sys
import time


def main():
    import argparse
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=80)
    p.add_argument("--pause", type=float, default=0.0,
                   help="seconds to wait between pieces")
    p.add_argument("--timeout", type=float, default=10.0)
    p.add_argument("--status-only", action="store_true")
    p.add_argument("pieces", nargs="+",
                   help="byte strings with Python escapes, sent in order")
    a = p.parse_args()
    s = socket.create_connection((a.host, a.port), timeout=a.timeout)
    for i, piece in enumerate(a.pieces):
        data = piece.encode("latin-1").decode("unicode_escape").encode(
            "latin-1")
        try:
            s.sendall(data)
        except OSError:
            break
        if a.pause and i + 1 < len(a.pieces):
            time.sleep(a.pause)
    got = b""
    deadline = time.time() + a.timeout
    while time.time() < deadline:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            break
        except OSError:
            break
        if not chunk:
            break
        got += chunk
    s.close()
    if a.status_only:
        # status lines start the data or follow the previous body's end
        codes = re.findall(rb"(?:^|\n)HTTP/1\.[01] (\d{3})", got)
        print(" ".join(c.decode() for c in codes))
    else:
        sys.stdout.write(got.decode("latin-1"))


if __name__ == "__main__":
    main()
