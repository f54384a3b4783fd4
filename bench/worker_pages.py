#!/usr/bin/env python3
"""worker_pages: where a forked rpxd worker's private pages are (issue 14).

For a worker PID (and its parent, the generation's template, unless another
PID is given), reads /proc/PID/maps and /proc/PID/pagemap of both and sorts
every page the worker maps exclusively (pagemap bit 56) by mapping: a copy
is a page the template has at the same address (copy-on-write: the worker
wrote into a page it shared), a new page is one the template does not have
there (the worker's own allocations, stack growth, its mappings). As root
(page frame numbers are hidden from others).

usage: worker_pages.py [-p] WORKER_PID [TEMPLATE_PID]
  -p  also list the private pages of [heap] by offset from its start
"""
import os
import struct
import sys

PAGE = os.sysconf("SC_PAGE_SIZE")
PRESENT = 1 << 63
EXCLUSIVE = 1 << 56
PFN_MASK = (1 << 55) - 1


def maps(pid):
    out = []
    with open(f"/proc/{pid}/maps") as f:
        for line in f:
            parts = line.split(None, 5)
            lo, hi = (int(x, 16) for x in parts[0].split("-"))
            name = parts[5].strip() if len(parts) > 5 else ""
            out.append((lo, hi, parts[1], int(parts[2], 16), name))
    return out


def entries(fd, lo, hi):
    n = (hi - lo) // PAGE
    data = os.pread(fd, n * 8, lo // PAGE * 8)
    return struct.unpack(f"{len(data) // 8}Q", data)


def label(m, prev_name):
    lo, hi, perms, off, name = m
    if name.startswith("/"):
        base = os.path.basename(name)
        if "w" in perms:
            return f"{base} data (rw)"
        return f"{base} {perms}"
    if name:
        return name
    # Anonymous: right after a library's data, its .bss.
    if prev_name and prev_name.startswith("/") and "w" in perms:
        return os.path.basename(prev_name) + " bss"
    return f"anon {perms} {(hi - lo) // 1024} KiB"


def main():
    args = sys.argv[1:]
    heap_pages = args and args[0] == "-p"
    if heap_pages:
        args = args[1:]
    wpid = int(args[0])
    if len(args) > 1:
        tpid = int(args[1])
    else:
        with open(f"/proc/{wpid}/stat") as f:
            tpid = int(f.read().rsplit(")", 1)[1].split()[1])
    tmaps = maps(tpid)
    tfd = os.open(f"/proc/{tpid}/pagemap", os.O_RDONLY)
    wfd = os.open(f"/proc/{wpid}/pagemap", os.O_RDONLY)

    def tentry(addr):
        for lo, hi, *_ in tmaps:
            if lo <= addr < hi:
                return entries(tfd, addr, addr + PAGE)[0]
        return 0

    rows = {}
    heap = []
    prev_name = ""
    for m in maps(wpid):
        lo, hi = m[0], m[1]
        name = label(m, prev_name)
        if m[4]:
            prev_name = m[4]
        for i, e in enumerate(entries(wfd, lo, hi)):
            if not (e & PRESENT) or not (e & EXCLUSIVE):
                continue
            addr = lo + i * PAGE
            t = tentry(addr)
            copy = bool(t & PRESENT) and (t & PFN_MASK) != (e & PFN_MASK)
            r = rows.setdefault(name, [0, 0])
            r[0 if copy else 1] += 1
            if m[4] == "[heap]":
                heap.append((addr - lo, "copy" if copy else "new"))
    kib = PAGE // 1024
    total = [0, 0]
    print(f"worker {wpid}, template {tpid}: private pages, KiB")
    print(f"{'mapping':<44} {'copied':>7} {'new':>7}")
    for name, (c, n) in sorted(rows.items(), key=lambda x: -sum(x[1])):
        print(f"{name:<44} {c * kib:>7} {n * kib:>7}")
        total[0] += c
        total[1] += n
    print(f"{'total':<44} {total[0] * kib:>7} {total[1] * kib:>7}")
    if heap_pages:
        print("heap pages (offset from the heap's start):")
        for off, kind in heap:
            print(f"  {off:#9x} {kind}")


if __name__ == "__main__":
    main()
