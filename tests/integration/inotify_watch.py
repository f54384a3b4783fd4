#!/usr/bin/env python3
# inotify_watch.py DIR NAME SECONDS: prints, one a line, what happens to
# DIR/NAME while it runs (CREATE, ATTRIB, MOVED_TO, DELETE, ...), so that
# t_97_smallsec.sh can see whether rpxd's control socket changed owner or
# mode after it appeared at its path. Prints "ready" once it watches.
# Linux inotify through ctypes; nothing but the standard library.
import ctypes
import os
import select
import struct
import sys
import time

IN_ATTRIB, IN_MOVED_FROM, IN_MOVED_TO = 0x4, 0x40, 0x80
IN_CREATE, IN_DELETE = 0x100, 0x200
NAMES = {IN_ATTRIB: "ATTRIB", IN_MOVED_FROM: "MOVED_FROM",
         IN_MOVED_TO: "MOVED_TO", IN_CREATE: "CREATE", IN_DELETE: "DELETE"}


def main():
    directory, name, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.inotify_init1(os.O_NONBLOCK)
    mask = IN_ATTRIB | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE | IN_DELETE
    if fd < 0 or libc.inotify_add_watch(fd, directory.encode(), mask) < 0:
        print("inotify: %s" % os.strerror(ctypes.get_errno()), flush=True)
        return 1
    print("ready", flush=True)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        r, _, _ = select.select([fd], [], [], max(0, end - time.monotonic()))
        if not r:
            break
        data = os.read(fd, 65536)
        off = 0
        while off + 16 <= len(data):
            _, ev, _, ln = struct.unpack_from("iIII", data, off)
            ev_name = data[off + 16:off + 16 + ln].split(b"\0")[0].decode()
            off += 16 + ln
            if ev_name != name:
                continue
            for bit, word in NAMES.items():
                if ev & bit:
                    print(word, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
