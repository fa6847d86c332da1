#!/bin/bash
# Allocator semantics are untouched by the wrappers (heap_edge checks
# errno, overflow, alignment, malloc_usable_size, realloc and failed
# realloc itself, with and without flightprof), and the heap profile
# follows realloc growth and shrink, frees from another thread, C++
# new/delete, the API (heap and allocs variants), and an allocator other
# than glibc's behind the wrappers.
source "$FP_ROOT/tests/lib.sh"

case "$FP_SAN" in 1 | address)
    echo "skip: the heap profile cannot see allocations under AddressSanitizer (its allocator comes first)"
    exit 0 ;;
esac

export FLIGHTPROF_HEAP=$FP_TMP/exit.pb.gz FLIGHTPROF_HEAP_RATE=1
same_behaviour "$FP_PROGS/heap_edge"
grep -qx ok "$FP_TMP/with.out" || fail "heap_edge: $(cat "$FP_TMP/with.out")"
out=$(fp_run "$FP_PROGS/heap_edge" "$FP_TMP/api-heap.pb.gz" "$FP_TMP/api-allocs.pb.gz")
[ "$out" = ok ] || fail "heap_edge with the API: $out"

for f in exit api-heap; do
    p=$FP_TMP/$f.pb.gz
    [ "$(pprof_cum inuse_space B grow_block "$p")" = 1048576 ] || fail "$f: grow_block in use is not the last size"
    [ "$(pprof_cum alloc_space B grow_block "$p")" = 2097136 ] || fail "$f: grow_block allocated is not 16+32+...+1MiB"
    [ "$(pprof_cum inuse_space B shrink_block "$p")" = 100 ] || fail "$f: shrink_block in use is not 100"
    [ "$(pprof_cum inuse_space B alloc_for_other_thread "$p")" = 0 ] ||
        fail "$f: blocks freed by another thread still in use"
    [ "$(pprof_cum alloc_space B alloc_for_other_thread "$p")" = $((2000 * 8192)) ] ||
        fail "$f: alloc_for_other_thread allocated"
done
top=$(pprof -top "$FP_TMP/api-allocs.pb.gz")
grep -q '^Type: alloc_space' <<<"$top" || fail "the allocs profile does not default to alloc_space"

# The API refuses cleanly when the profile is off.
unset FLIGHTPROF_HEAP
if fp_run "$FP_PROGS/heap_edge" "$FP_TMP/off.pb.gz" "$FP_TMP/off2.pb.gz" >"$FP_TMP/off.out"; then
    fail "API write succeeded without FLIGHTPROF_HEAP"
fi
grep -q 'FAIL flightprof_heap_write' "$FP_TMP/off.out" || fail "unexpected: $(cat "$FP_TMP/off.out")"
[ ! -e "$FP_TMP/off.pb.gz" ] || fail "a profile was written without FLIGHTPROF_HEAP"

# C++: new, new[], aligned new and delete.
FLIGHTPROF_HEAP=$FP_TMP/cxx.pb.gz same_behaviour "$FP_PROGS/heap_cxx"
grep -qx ok "$FP_TMP/with.out" || fail "heap_cxx: $(cat "$FP_TMP/with.out")"
p=$FP_TMP/cxx.pb.gz
[ "$(pprof_cum inuse_space B keep_objects "$p")" = 4096000 ] || fail "keep_objects in use"
[ "$(pprof_cum inuse_space B aligned_objects "$p")" = 25600 ] || fail "aligned_objects in use"
[ "$(pprof_cum alloc_objects B churn_objects "$p")" = 20000 ] || fail "churn_objects allocations"
[ "$(pprof_cum inuse_space B churn_objects "$p")" = 0 ] || fail "churn_objects in use"

# Another allocator behind ours: the wrappers find tcmalloc's functions.
tcmalloc=$(ls /usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4 2>/dev/null || true)
if [ -n "$tcmalloc" ]; then
    # tcmalloc has semantics of its own (no ENOMEM on calloc overflow):
    # flightprof must not change them.
    plain=$(LD_PRELOAD=$tcmalloc "$FP_PROGS/heap_edge" || true)
    out=$(LD_PRELOAD="$FP_PRELOAD:$tcmalloc" "$FP_PROGS/heap_edge" || true)
    [ "$out" = "$plain" ] || fail "heap_edge over tcmalloc: '$out' with flightprof, '$plain' without"
    LD_PRELOAD="$FP_PRELOAD:$tcmalloc" FLIGHTPROF_HEAP=$FP_TMP/tc2.pb.gz "$FP_PROGS/heap_shape"
    [ "$(pprof_cum inuse_space B keep_small "$FP_TMP/tc2.pb.gz")" = $((30 * 1048576)) ] || fail "tcmalloc: keep_small in use"
else
    echo "note: libtcmalloc_minimal not installed; other-allocator case not run"
fi
