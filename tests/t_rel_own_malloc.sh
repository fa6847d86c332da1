#!/bin/bash
# A program whose executable defines its own allocator (rel_own_malloc:
# every block must be its arena's, or the program aborts): flightprof's
# own memory and what it exchanges with libdw, protobuf-c and glibc all
# come from that allocator, never from libc's behind it (src/base/mem.h), with
# every collector on, and the profile and snapshot are written.
source "$FP_ROOT/tests/lib.sh"

if [ -n "$FP_SAN" ]; then
    echo "SKIP: a program-defined malloc cannot coexist with the sanitizer's"
    exit 0
fi
out=$(FLIGHTPROF_CPU=$FP_TMP/cpu.pb.gz FLIGHTPROF_HZ=1000 FLIGHTPROF_HEAP=$FP_TMP/heap.pb.gz \
    FLIGHTPROF_MUTEX=$FP_TMP/mutex.pb.gz FLIGHTPROF_SNAPSHOT=$FP_TMP/own.fr \
    FLIGHTPROF_SNAPSHOT_ON=exit fp_run "$FP_PROGS/rel_own_malloc" 0.5 2>err) ||
    { cat err >&2; fail "rel_own_malloc failed under flightprof"; }
[ "$out" = ok ] || fail "rel_own_malloc printed '$out'"
pprof -top "$FP_TMP/cpu.pb.gz" >top.txt
[ "$(top_share top.txt burn_here)" -ge 50 ] || { cat top.txt; fail "burn_here is not the CPU profile's top"; }
"$FP_CLI" dump "$FP_TMP/own.fr" >dump.txt || fail "dump of the snapshot failed"
grep -q "cpu-sample" dump.txt || fail "no CPU samples in the snapshot"
echo OK
