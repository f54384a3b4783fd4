#!/usr/bin/env python3
"""A winbindd that never answers (t_98_winbind_queue.sh): it listens on
winbind's socket path, given as the argument, accepts every client and
reads what it sends, and says nothing, as a winbindd stuck on a domain
controller that does not answer would. rpxd's domain checkers then hang
in their winbind call until winbind-timeout."""
import os
import selectors
import socket
import sys

path = sys.argv[1]
os.makedirs(os.path.dirname(path), exist_ok=True)
try:
    os.unlink(path)
except FileNotFoundError:
    pass
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
os.chmod(path, 0o777)
srv.listen(64)
sel = selectors.DefaultSelector()
sel.register(srv, selectors.EVENT_READ)
print("listening", flush=True)
while True:
    for key, _ in sel.select():
        if key.fileobj is srv:
            c, _ = srv.accept()
            sel.register(c, selectors.EVENT_READ)
            continue
        try:
            data = key.fileobj.recv(65536)
        except OSError:
            data = b""
        if not data:
            sel.unregister(key.fileobj)
            key.fileobj.close()
