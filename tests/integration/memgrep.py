#!/usr/bin/env python3
"""Whether a process's memory holds some bytes: reads every readable
mapping of /proc/PID/mem (as root) and searches it. Exit 0 and print the
mapping when found, 1 when not. Usage: memgrep.py PID HEXBYTES"""
import re
import sys

pid, needle = sys.argv[1], bytes.fromhex(sys.argv[2])
found = False
with open("/proc/%s/maps" % pid) as maps, \
        open("/proc/%s/mem" % pid, "rb", 0) as mem:
    for line in maps:
        m = re.match(r"([0-9a-f]+)-([0-9a-f]+) (\S+)", line)
        start, end, perms = int(m.group(1), 16), int(m.group(2), 16), m.group(3)
        if perms[0] != "r" or "[vvar]" in line or "[vsyscall]" in line:
            continue
        try:
            mem.seek(start)
            data = mem.read(end - start)
        except (OSError, ValueError, OverflowError):
            continue
        if needle in data:
            print("found in " + line.strip())
            found = True
sys.exit(0 if found else 1)
