#!/usr/bin/env python3
"""Builds the fuzzing seed corpus (tests/fuzz/corpus/), which t_fuzz_corpus.sh
also replays in `make check`: intact snapshots, deterministic damaged variants
of each (truncations, bit flips, lying length and count fields) and foreign
files.

usage: make_corpus.py OUTDIR [SNAPSHOT...]
  SNAPSHOTs are real snapshots written by the recorder; a synthetic one with
  every event kind (gen_snapshot.py) and an empty one are always added.
"""
import os
import random
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_snapshot  # noqa: E402

HEADER_MIN = 120  # header_size of files written before cpu_period_ns
SECTION = struct.Struct("<IIQ")


def header_size(data):
    return struct.unpack_from("<I", data, 12)[0] if len(data) >= 16 else HEADER_MIN


def sections(data):
    """(offset, kind, count, size) of each section, as far as they parse."""
    out, off = [], header_size(data)
    while off + SECTION.size <= len(data):
        kind, count, size = SECTION.unpack_from(data, off)
        out.append((off, kind, count, size))
        if kind == 0 or off + SECTION.size + size > len(data):
            break
        off += SECTION.size + size
    return out


def patched(data, offset, fmt, value):
    b = bytearray(data)
    struct.pack_into(fmt, b, offset, value)
    return bytes(b)


def variants(name, data, rng):
    n = len(data)
    hs = header_size(data)
    for cut in sorted({7, 8, 16, HEADER_MIN, hs - 1, hs, n // 3, n // 2, n - 24, n - 1}):
        if 0 < cut < n:
            yield f"{name}-trunc{cut}", data[:cut]
    for i in range(4):
        pos = rng.randrange(n)
        b = bytearray(data)
        b[pos] ^= 1 << rng.randrange(8)
        yield f"{name}-flip{pos}", bytes(b)
    yield f"{name}-version2", patched(data, 8, "<I", 2)
    yield f"{name}-headersize0", patched(data, 12, "<I", 0)
    yield f"{name}-headerhuge", patched(data, 12, "<I", 0xfffffff8)
    yield f"{name}-trigger99", patched(data, 20, "<I", 99)
    yield f"{name}-extra", data + b"\0" * 16
    if hs >= 128:  # cpu_period_ns: below 1000 Hz's and above 1 Hz's
        yield f"{name}-period-short", patched(data, 120, "<Q", 999)
        yield f"{name}-period-long", patched(data, 120, "<Q", 1 << 40)
    for off, kind, count, size in sections(data)[:6]:  # header sections and a first chunk
        if kind == 0:
            continue
        yield f"{name}-sec{off}-size", patched(data, off + 8, "<Q", size + 8)
        yield f"{name}-sec{off}-hugesize", patched(data, off + 8, "<Q", 1 << 62)
        yield f"{name}-sec{off}-count", patched(data, off + 4, "<I", 0xffffffff)
        if kind == 5 and size >= 8 + 16:  # a chunk: break its first event's size and kind
            ev = off + SECTION.size + 8
            yield f"{name}-sec{off}-evsize0", patched(data, ev + 6, "<H", 0)
            yield f"{name}-sec{off}-evsizebig", patched(data, ev + 6, "<H", 0xfff8)
            yield f"{name}-sec{off}-evkind", patched(data, ev + 4, "<B", 200)
            yield f"{name}-sec{off}-evtag", patched(data, ev, "<I", 0xdeadbeef)


def foreign():
    yield "foreign-empty", b""
    yield "foreign-text", b"hello, world\n"
    yield "foreign-json", b'{"traceEvents": []}\n'
    yield "foreign-gzip", bytes.fromhex("1f8b0800000000000003") + b"\0" * 10
    yield "foreign-magic-only", gen_snapshot.MAGIC
    with open("/bin/true", "rb") as f:
        yield "foreign-elf", f.read(512)


def main():
    outdir, real = sys.argv[1], sys.argv[2:]
    os.makedirs(outdir, exist_ok=True)
    rng = random.Random(1)
    bases = [("synthetic", gen_snapshot.kitchen_sink().build()),
             ("empty", gen_snapshot.Snapshot().build())]
    for path in real:
        with open(path, "rb") as f:
            bases.append((os.path.splitext(os.path.basename(path))[0], f.read()))
    files = list(foreign())
    for name, data in bases:
        files.append((name, data))
        files.extend(variants(name, data, rng))
    for name, data in files:
        with open(os.path.join(outdir, name + ".fr"), "wb") as f:
            f.write(data)
    print(f"{len(files)} files in {outdir}")


if __name__ == "__main__":
    main()
