#!/bin/bash
# FLIGHTPROF_HEAP_SIGNAL writes the heap profile on demand (the program
# leaves with _exit, so nothing else writes it); and fork in a program
# whose threads allocate without pause neither deadlocks (bounded by a
# timeout) nor mixes parent and child profiles.
source "$FP_ROOT/tests/lib.sh"

case "$FP_SAN" in 1 | address)
    echo "skip: the heap profile cannot see allocations under AddressSanitizer (its allocator comes first)"
    exit 0 ;;
esac

FLIGHTPROF_HEAP=$FP_TMP/sig.pb.gz FLIGHTPROF_HEAP_SIGNAL=SIGUSR1 FLIGHTPROF_HEAP_RATE=1 \
    fp_run "$FP_PROGS/heap_signal" 10 "$FP_TMP/sig.pb.gz" || fail "no profile written on SIGUSR1"
[ "$(pprof_cum inuse_space B keep_for_signal "$FP_TMP/sig.pb.gz")" = 1024000 ] ||
    fail "the signal-triggered profile lacks keep_for_signal's blocks"

# Rate 1 makes every allocation of every thread take the profile's lock:
# the most likely way for a fork to catch it held.
FLIGHTPROF_HEAP=$FP_TMP/fork.pb.gz FLIGHTPROF_HEAP_RATE=1 timeout 120 \
    env LD_PRELOAD="$FP_PRELOAD" "$FP_PROGS/heap_fork" 8 >"$FP_TMP/fork.out" ||
    fail "heap_fork failed or hung (exit $?)"
grep -qx ok "$FP_TMP/fork.out" || fail "heap_fork: $(cat "$FP_TMP/fork.out")"
children=("$FP_TMP"/fork.pb.gz.*)
[ "${#children[@]}" = 8 ] || fail "expected 8 child profiles, found ${#children[@]}"
[ "$(pprof_cum alloc_objects B child_allocates "${children[0]}")" = 2000 ] ||
    fail "a child's profile lacks its 1000 mallocs and 1000 reallocs"
[ "$(pprof_cum alloc_objects B child_allocates "$FP_TMP/fork.pb.gz")" = 0 ] ||
    fail "the parent's profile has the children's allocations"
