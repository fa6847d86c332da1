#!/bin/bash
# CPU totals at sampling rates above the kernel tick. This kernel checks
# CPU timers once per tick (HZ=250, every 4 ms), so a 1000 Hz timer has
# expired four times when its signal is sent; the kernel reports the
# expiries it merged in si_overrun, and each sample must count them, or
# the profile shows a quarter of the CPU at 1000 Hz and half at 500 Hz.
#
# At 1000, 500 and 100 Hz, two threads each burn 1.5 s of their own CPU;
# the profile's total must be within 10% of the CPU the kernel measured for
# the process, and each thread's within 10% of its own. The error here is
# not a sampling error: each thread's timer expires at fixed steps of that
# thread's CPU clock, so its count is off by at most about one period (the
# random first expiry, the unfinished last one) plus the one tick the last
# signal may wait for, under 1% of 1.5 s at any of these rates. Were the
# counts Poisson instead, 3000 periods (1000 Hz) would have a standard
# deviation of 1.8% and 1500 (500 Hz) of 2.6%: 10% is 4-5.5 of them. The
# bound leaves room for a noisy machine, not for dropped expiries, which
# cost 50-75%.
source "$FP_ROOT/tests/lib.sh"

for hz in 1000 500 100; do
    prof=$FP_TMP/spin-$hz.pb.gz
    FLIGHTPROF_HZ=$hz FLIGHTPROF_CPU=$prof fp_run "$FP_PROGS/cpu_spin2" 2 1.5 "$FP_TMP/report-$hz"
    cat "$FP_TMP/report-$hz"
    kernel_ms=$(awk '$1 == "process" { print int($2 * 1000) }' "$FP_TMP/report-$hz")
    profile_ms=$(total_ms "$prof")
    echo "$hz Hz: profile ${profile_ms}ms, kernel ${kernel_ms}ms"
    assert_between "$profile_ms" $((kernel_ms * 90 / 100)) $((kernel_ms * 110 / 100)) "$hz Hz total"

    tag_ms "$prof" thread >"$FP_TMP/tags-$hz"
    cat "$FP_TMP/tags-$hz"
    while read -r name cpu_s; do
        [ "$name" = process ] && continue
        want=$(awk -v c="$cpu_s" 'BEGIN { printf "%d", c * 1000 }')
        got=$(awk -v n="$name" '$1 == n { printf "%d", $2; f = 1 } END { if (!f) print -1 }' "$FP_TMP/tags-$hz")
        assert_between "$got" $((want * 90 / 100)) $((want * 110 / 100)) "$hz Hz: $name"
    done <"$FP_TMP/report-$hz"
done
