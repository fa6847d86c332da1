#!/bin/bash
# A known 60/30/10 CPU split among three functions shows in go tool pprof
# within 5 points, with the unwinders the user can choose. 4 s at the
# kernel's 250 samples/s gives ~1000 samples: one standard deviation of a
# 30% share is then 1.5 points, so 5 points is over 3 sigma.
source "$FP_ROOT/tests/lib.sh"

for unwind in libunwind fp; do
    FLIGHTPROF_CPU=$FP_TMP/$unwind.pb.gz FLIGHTPROF_UNWIND=$unwind FLIGHTPROF_HZ=250 \
        fp_run "$FP_PROGS/cpu_split" 4 >/dev/null
    pprof -top -cum "$FP_TMP/$unwind.pb.gz" >"$FP_TMP/$unwind.top"
    cat "$FP_TMP/$unwind.top"
    assert_between "$(top_share "$FP_TMP/$unwind.top" work_sixty cum)" 55 65 "$unwind work_sixty"
    assert_between "$(top_share "$FP_TMP/$unwind.top" work_thirty cum)" 25 35 "$unwind work_thirty"
    assert_between "$(top_share "$FP_TMP/$unwind.top" work_ten cum)" 5 15 "$unwind work_ten"
done
# With libunwind, every sample reaches main through the real call chain.
assert_between "$(top_share "$FP_TMP/libunwind.top" main cum)" 95 100 "libunwind main"
