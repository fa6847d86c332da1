#!/bin/bash
# The writer module: libdw, libelf, protobuf-c and zlib are loaded only by
# a process that writes a profile, from the image libflightprof.so
# carries, and the module never shows in what it writes.
#
# Checked here: a profiled program that has written nothing has none of
# those libraries mapped (the preloaded library alone depends on libc
# only); after flightprof_cpu_flush() they are there, the profile opens
# without warnings and lists no memfd mapping, and neither does a snapshot
# taken after the write (nor flightprof's service thread among the
# program's threads); and libflightprof.so copied alone into another
# directory still writes a full, symbolized profile.
source "$FP_ROOT/tests/lib.sh"
PY=/usr/bin/python3
[ -x "$PY" ] || fail "$PY is missing"
heavy='libdw|libelf|libprotobuf-c|libz\.so'

# The control: the check below sees these libraries when they are there.
grep -qE "$heavy" <(LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libdw.so.1 cat /proc/self/maps) ||
    fail "the maps check does not see a preloaded libdw"
ldd "$FP_LIB" | grep -E "$heavy" && fail "libflightprof.so itself depends on the writer's libraries"

out=$(FLIGHTPROF_CPU=$FP_TMP/cat.pb.gz fp_run cat /proc/self/maps) || fail "cat failed"
grep -E "$heavy" <<<"$out" && fail "a profiled cat has the writer's libraries mapped before any write"
[ -s "$FP_TMP/cat.pb.gz" ] || fail "cat (the profiled root) wrote no profile at exit"
pprof -raw "$FP_TMP/cat.pb.gz" >/dev/null

# A write in a running program loads the module; what it writes names no
# memfd, and neither does a snapshot taken afterwards.
cat >"$FP_TMP/flush.py" <<'PY'
import ctypes, os, signal, time
end = time.process_time() + 0.3
n = 0
while time.process_time() < end:
    n += sum(range(1000))
lib = ctypes.CDLL(None)
print("flush", lib.flightprof_cpu_flush())
maps = open("/proc/self/maps").read()
print("heavy", sum(1 for l in maps.splitlines() if "libdw" in l or "libelf" in l))
print("memfd", sum(1 for l in maps.splitlines() if "memfd:flightprof-writer" in l))
os.kill(os.getpid(), signal.SIGUSR2)
time.sleep(0.5)
PY
FLIGHTPROF_CPU=$FP_TMP/py.pb.gz FLIGHTPROF_SNAPSHOT=$FP_TMP/py-%n.fr FLIGHTPROF_SNAPSHOT_SIGNAL=SIGUSR2 \
    fp_run "$PY" "$FP_TMP/flush.py" >"$FP_TMP/flush.out" 2>"$FP_TMP/flush.err" ||
    { cat "$FP_TMP/flush.err" >&2; fail "flush.py failed"; }
cat "$FP_TMP/flush.out"
grep -qx 'flush 0' "$FP_TMP/flush.out" || fail "flightprof_cpu_flush failed"
grep -q '^heavy [1-9]' "$FP_TMP/flush.out" || fail "no libdw or libelf after a write: was the module used?"
grep -q '^memfd [1-9]' "$FP_TMP/flush.out" || fail "no writer memfd mapped after a write: the checks below prove nothing"
pprof -raw "$FP_TMP/py.pb.gz" >"$FP_TMP/py.raw"
grep -q memfd "$FP_TMP/py.raw" && fail "the profile lists the writer module: $(grep memfd "$FP_TMP/py.raw")"
snap=$(ls "$FP_TMP"/py-*.fr 2>/dev/null | head -1)
[ -n "$snap" ] || fail "no snapshot written on SIGUSR2"
"$FP_CLI" dump "$snap" >"$FP_TMP/snap.txt" || fail "flightprof dump failed"
grep -q memfd "$FP_TMP/snap.txt" && fail "the snapshot lists the writer module"
grep -q 'python3' "$FP_TMP/snap.txt" || fail "the snapshot lists no python3 mapping: the check above proves nothing"
# flush.py has one thread; flightprof's service thread is not the program's.
grep -qE '^threads: +1,' "$FP_TMP/snap.txt" ||
    fail "the snapshot of a one-thread program lists $(grep -E '^threads:' "$FP_TMP/snap.txt")"

# One file is enough: the library copied alone still writes symbolized
# profiles.
mkdir -p "$FP_TMP/alone"
cp "$FP_LIB" "$FP_TMP/alone/libflightprof.so"
LD_PRELOAD=${FP_PRELOAD/"$FP_LIB"/$FP_TMP/alone/libflightprof.so} FLIGHTPROF_CPU=$FP_TMP/alone.pb.gz \
    "$FP_PROGS/cpu_spin2" 1 0.2 "$FP_TMP/alone.report" || fail "cpu_spin2 with the copied library failed"
pprof -top "$FP_TMP/alone.pb.gz" >"$FP_TMP/alone.top"
grep -q 'spin' "$FP_TMP/alone.top" || fail "the profile written by the copied library names no spin function"
echo ok
