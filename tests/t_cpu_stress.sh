#!/bin/bash
# At the highest sampling rate: dlopen/dlclose in a loop, C++ exceptions
# thrown in a loop, and threads created and joined rapidly. No hang (the
# timeout), no crash, and a readable profile each time.
source "$FP_ROOT/tests/lib.sh"

for mode in dlopen throw threads; do
    set +e
    FLIGHTPROF_HZ=1000 FLIGHTPROF_CPU=$FP_TMP/$mode.pb.gz \
        timeout 60 env LD_PRELOAD="$FP_PRELOAD" "$FP_PROGS/cpu_stress" $mode 4 "$FP_PROGS/plugin_burn.so"
    rc=$?
    set -e
    [ $rc = 0 ] || fail "$mode: exit status $rc"
    pprof -top "$FP_TMP/$mode.pb.gz" >"$FP_TMP/$mode.top"
    head -12 "$FP_TMP/$mode.top"
done
