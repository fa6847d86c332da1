#!/usr/bin/env python3
"""Writes synthetic flight-recorder snapshots (format: src/base/snapfmt.h) for the
convert tests and the fuzzing seed corpus: every event kind, edge cases the
recorder rarely produces (a region open across the window's ends, a wait that
began before the window, a crash with a stack, strings JSON must escape).

usage: gen_snapshot.py OUT [--exe PATH]
  With --exe, the snapshot's one mapping is that executable's first
  executable PT_LOAD segment, and the code addresses in the events point at
  its symbols conv_burn and main (found with nm), so symbolization can be
  checked offline.
"""
import argparse
import struct
import subprocess

MAGIC = b"FPSNAP\r\n"
SEC_END, SEC_EXE, SEC_CRASH, SEC_MAPS, SEC_THREADS, SEC_CHUNK = range(6)
(THREAD_START, THREAD_EXIT, THREAD_NAME, ALLOC, REALLOC, FREE, MUNMAP, LOCK_WAIT, WAIT,
 CPU_SAMPLE, FORK, EXEC, EXIT, SIGNAL, LOG, REGION_BEGIN, REGION_END) = range(1, 18)
TRIGGER_CRASH = 4
WAIT_COND, WAIT_JOIN, WAIT_NANOSLEEP = 0, 3, 4
BASE = 1_000_000_000_000  # monotonic ns of the window start


def pad8(b):
    return b + b"\0" * (-len(b) % 8)


def cstr(s):
    return s.encode() + b"\0" if isinstance(s, str) else s + b"\0"


def section(kind, body, count=0):
    return struct.pack("<IIQ", kind, count, len(body)) + body


class Snapshot:
    def __init__(self, pid=4242):
        self.pid = pid
        self.maps = []
        self.threads = []
        self.chunks = {}  # tid -> list of event records
        self.crash_stack = []
        self.header = dict(trigger=2, signo=0, si_code=0, fault=0, crash_tid=0, exit_status=0)

    def event(self, tid, kind, t, payload=b"", sub=0):
        body = pad8(payload)
        self.chunks.setdefault(tid, []).append((kind, sub, t, body))

    def string_event(self, tid, kind, t, text):
        raw = cstr(text)
        self.event(tid, kind, t, struct.pack("<HHHH", len(raw), 0, 0, 0) + raw)

    def build(self):
        times = [t for evs in self.chunks.values() for _, _, t, _ in evs]
        start, end = (min(times), max(times)) if times else (0, 0)
        h = self.header
        out = struct.pack("<8sIIiIQQQQQiiQiiQQQQ", MAGIC, 1, 120, self.pid, h["trigger"], 1,
                          end + 1000, 1_700_000_000_000_000_000, start, end, h["signo"],
                          h["si_code"], h["fault"], h["crash_tid"], h["exit_status"],
                          8 << 20, 10_000_000_000, 0, 0)
        out += section(SEC_EXE, pad8(cstr("/usr/bin/synthetic \"prog\"")))
        maps = b"".join(pad8(struct.pack("<QQQHHI", s, l, o, len(cstr(p)), len(cstr(b)), 0) + cstr(p) + cstr(b))
                        for s, l, o, p, b in self.maps)
        out += section(SEC_MAPS, maps, len(self.maps))
        threads = b"".join(struct.pack("<iiQQQQ16s", tid, parent, st, ex, routine, over, cstr(name)[:16])
                           for tid, parent, st, ex, routine, over, name in self.threads)
        out += section(SEC_THREADS, threads, len(self.threads))
        if self.crash_stack:
            out += section(SEC_CRASH, b"".join(struct.pack("<Q", pc) for pc in self.crash_stack),
                           len(self.crash_stack))
        for n, (tid, evs) in enumerate(sorted(self.chunks.items())):
            tag = 0x100 + n
            body = struct.pack("<iI", tid, tag)
            for kind, sub, t, payload in evs:
                body += struct.pack("<IBBHQ", tag, kind, sub, 16 + len(payload), t) + payload
            out += section(SEC_CHUNK, body, len(evs))
        return out + section(SEC_END, b"")


def symbol_addresses(exe):
    """Runtime addresses of conv_burn and main for a mapping of `exe` at
    0x555500000000, and that mapping (start, limit, offset)."""
    syms = {}
    for line in subprocess.run(["nm", exe], capture_output=True, text=True, check=True).stdout.splitlines():
        parts = line.split()
        if len(parts) == 3:
            syms[parts[2]] = int(parts[0], 16)
    segs = subprocess.run(["readelf", "-lW", exe], capture_output=True, text=True, check=True).stdout
    for line in segs.splitlines():
        f = line.split()
        if f and f[0] == "LOAD" and "E" in f[6:-1]:
            off, vaddr, filesz = int(f[1], 16), int(f[2], 16), int(f[4], 16)
            break
    load = 0x555500000000
    start = load + vaddr - (vaddr % 4096)
    mapping = (start, start + ((filesz + (vaddr % 4096) + 4095) & ~4095), off - (vaddr % 4096))
    return {name: load + syms[name] for name in ("conv_burn", "main")}, mapping


def build_id(exe):
    out = subprocess.run(["readelf", "-n", exe], capture_output=True, text=True).stdout
    for line in out.splitlines():
        if "Build ID:" in line:
            return line.split("Build ID:")[1].strip()
    return ""


def kitchen_sink(exe=None):
    s = Snapshot()
    if exe:
        addr, (start, limit, off) = symbol_addresses(exe)
        s.maps.append((start, limit, off, exe, build_id(exe)))
        burn, main = addr["conv_burn"] + 8, addr["main"] + 8
    else:
        s.maps.append((0x400000, 0x401000, 0, "/nonexistent/synthetic", "00ff"))
        burn, main = 0x400100, 0x400200
    s.threads = [(100, 0, 0, 0, 0, 0, "main"),
                 (101, 100, BASE + 1000, BASE + 90_000_000, main, 7, "worker \"q\""),
                 (102, 100, BASE + 2000, 0, 0, 0, "")]
    t = BASE
    # main: a region opened before the window closes, one open at the end.
    s.event(100, REGION_END, t + 5_000_000)
    s.string_event(100, REGION_BEGIN, t + 6_000_000, "outer")
    s.string_event(100, REGION_BEGIN, t + 7_000_000, "inner")
    s.event(100, WAIT, t + 12_000_000, struct.pack("<QQQ", 0, 4_000_000, main + 1), WAIT_NANOSLEEP)
    s.event(100, REGION_END, t + 13_000_000)
    s.event(100, LOCK_WAIT, t + 20_000_000, struct.pack("<QQQ", 0x7000, 5_000_000, main + 1), 0)
    s.event(100, ALLOC, t + 21_000_000, struct.pack("<QQQ", 0x9000, 777777, main + 1), 0)
    s.event(100, REALLOC, t + 22_000_000, struct.pack("<QQQQ", 0x9000, 0xa000, 800000, main + 1))
    s.event(100, ALLOC, t + 23_000_000, struct.pack("<QQQ", 0xb000, 4096, 0), 9)
    s.event(100, MUNMAP, t + 24_000_000, struct.pack("<QQQ", 0xb000, 4096, main + 1))
    s.event(100, FREE, t + 25_000_000, struct.pack("<QQ", 0xa000, main + 1))
    s.event(100, FREE, t + 25_500_000, struct.pack("<QQ", 0x1234560, main + 1))  # from before the window
    s.event(100, FORK, t + 26_000_000, struct.pack("<q", 4243))
    s.string_event(100, EXEC, t + 27_000_000, "/bin/true")
    s.event(100, CPU_SAMPLE, t + 28_000_000, struct.pack("<II", 2, 0) + struct.pack("<QQ", burn, main + 1))
    s.event(100, CPU_SAMPLE, t + 29_000_000, struct.pack("<II", 2, 0) + struct.pack("<QQ", burn, main + 1))
    # worker: starts, is renamed, waits (one wait began before the window), logs, exits.
    s.event(101, WAIT, t + 1_000, struct.pack("<QQQ", 0x6000, 50_000_000, main + 1), WAIT_COND)
    s.event(101, THREAD_START, t + 2_000, struct.pack("<iIQ", 100, 0, main))
    s.event(101, THREAD_NAME, t + 3_000, struct.pack("<iI16s", 101, 0, b"worker \"q\"\0"))
    cat, msg = cstr("cat\\egory"), b"quote \" nl \n ctrl \x01 bad \xff utf8 \xc3\xa9\0"
    s.event(101, LOG, t + 30_000_000, struct.pack("<HHI", len(cat), len(msg), 0) + cat + msg)
    s.event(101, WAIT, t + 40_000_000, struct.pack("<QQQ", 102, 1_000_000, main + 1), WAIT_JOIN)
    s.event(101, THREAD_EXIT, t + 90_000_000)
    # 102: crashes.
    s.event(102, SIGNAL, t + 95_000_000, struct.pack("<iiQ", 11, 1, 0xdead))
    s.event(102, EXIT, t + 95_000_100, struct.pack("<q", 139))
    s.header.update(trigger=TRIGGER_CRASH, signo=11, si_code=1, fault=0xdead, crash_tid=102)
    s.crash_stack = [burn, main + 1]
    return s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--exe")
    args = ap.parse_args()
    with open(args.out, "wb") as f:
        f.write(kitchen_sink(args.exe).build())


if __name__ == "__main__":
    main()
