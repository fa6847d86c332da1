#!/bin/bash
# Samples never wait for a lock inside fork(): threads that spend nearly all
# their CPU in fork() (a large heap makes it slow), sampled at 1000 Hz, with
# libunwind's thread-local storage forced to be allocated dynamically (the
# loader then mallocs it on a thread's first access), must all finish.
source "$FP_ROOT/tests/lib.sh"

for i in 1 2 3; do
    rc=0
    GLIBC_TUNABLES=glibc.rtld.optional_static_tls=0 FLIGHTPROF_CPU=$FP_TMP/cpu.pb.gz FLIGHTPROF_HZ=1000 \
        timeout -k 2 60 env LD_PRELOAD="$FP_PRELOAD" "$FP_PROGS/rel_fork_threads" >out || rc=$?
    [ "$rc" = 124 ] || [ "$rc" = 137 ] && fail "run $i hung (a sample waited for a lock inside fork)"
    [ "$rc" = 0 ] || fail "run $i: exit status $rc"
    grep -q "^32 of 32 children ok$" out || { cat out; fail "run $i: children failed"; }
done
pprof -top cpu.pb.gz >/dev/null
