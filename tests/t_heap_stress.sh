#!/bin/bash
# Every allocation sampled (rate 1) and every contention recorded while the
# loader (dlopen/dlclose, which allocates holding the loader's lock), the
# C++ exception unwinder and thread creation run in four threads: no hang
# (bounded by a timeout), no crash, readable profiles.
source "$FP_ROOT/tests/lib.sh"

case "$FP_SAN" in 1 | address)
    echo "skip: the heap profile cannot see allocations under AddressSanitizer (its allocator comes first)"
    exit 0 ;;
esac

for mode in dlopen throw threads; do
    set +e
    FLIGHTPROF_HEAP=$FP_TMP/$mode.pb.gz FLIGHTPROF_HEAP_RATE=1 FLIGHTPROF_MUTEX=$FP_TMP/$mode-mutex.pb.gz \
        timeout -k 5 60 env LD_PRELOAD="$FP_PRELOAD" "$FP_PROGS/cpu_stress" $mode 2 "$FP_PROGS/plugin_burn.so"
    rc=$?
    set -e
    [ $rc = 0 ] || fail "$mode: exit status $rc"
    pprof -top -sample_index=alloc_space "$FP_TMP/$mode.pb.gz" >"$FP_TMP/$mode.top"
    pprof -top "$FP_TMP/$mode-mutex.pb.gz" >/dev/null
    head -8 "$FP_TMP/$mode.top"
    if grep -q 'Total samples = 0 *$' "$FP_TMP/$mode.top"; then fail "$mode: no allocation recorded"; fi
done
