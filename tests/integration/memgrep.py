#!/usr/bin/env python3
"""Whether a process's memory holds some bytes: reads every readable
mapping of /proc/PID/mem (as root) a megabyte at a time and searches it.
Mappings over 4 GiB (AddressSanitizer's shadow) are skipped. Exit 0 and
print the mapping when found, 1 when not, 2 when the memory could not be
read at all. Usage: memgrep.py PID HEXBYTES"""
import re
import sys

CHUNK = 1 << 20
pid, needle = sys.argv[1], bytes.fromhex(sys.argv[2])
found, scanned = False, 0
try:
    maps = open("/proc/%s/maps" % pid).read().splitlines()
    mem = open("/proc/%s/mem" % pid, "rb", 0)
except OSError as e:
    print("cannot read process %s: %s" % (pid, e))
    sys.exit(2)
for line in maps:
    m = re.match(r"([0-9a-f]+)-([0-9a-f]+) (\S+)", line)
    start, end, perms = int(m.group(1), 16), int(m.group(2), 16), m.group(3)
    if perms[0] != "r" or "[vvar]" in line or "[vsyscall]" in line or \
            end - start > (4 << 30):
        continue
    tail = b""
    for off in range(start, end, CHUNK):
        try:
            mem.seek(off)
            data = mem.read(min(CHUNK, end - off))
        except (OSError, ValueError, OverflowError):
            tail = b""
            continue
        scanned += len(data)
        if needle in tail + data:
            print("found in " + line.strip())
            found = True
            break
        tail = data[-(len(needle) - 1):] if len(needle) > 1 else b""
if scanned == 0:
    print("nothing of process %s could be read" % pid)
    sys.exit(2)
sys.exit(0 if found else 1)
