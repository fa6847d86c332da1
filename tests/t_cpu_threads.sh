#!/bin/bash
# Multi-threaded magnitude, as Go tests it: with 1, 2 and 8 busy threads on
# this machine, the profile's total CPU is within 10% of the CPU the kernel
# reports for the process, and per-thread labels split it like the kernel's
# per-thread CPU clocks do. Threads' stacks end in the program's own
# start routine, start_thread and clone, as without flightprof: its thread
# trampoline is not in them.
source "$FP_ROOT/tests/lib.sh"

for n in 1 2 8; do
    prof=$FP_TMP/threads-$n.pb.gz
    FLIGHTPROF_CPU=$prof fp_run "$FP_PROGS/cpu_threads" "$n" 2 "$FP_TMP/report-$n"
    cat "$FP_TMP/report-$n"
    kernel_ms=$(awk '$1 == "process" { print int($2 * 1000) }' "$FP_TMP/report-$n")
    profile_ms=$(total_ms "$prof")
    echo "$n threads: profile ${profile_ms}ms, kernel ${kernel_ms}ms"
    assert_between "$profile_ms" $((kernel_ms * 90 / 100)) $((kernel_ms * 110 / 100)) "$n-thread total"

    pprof -traces "$prof" >"$FP_TMP/traces-$n"
    grep -q start_thread "$FP_TMP/traces-$n" || fail "$n threads: no start_thread in the stacks"
    ! grep -q thread_begins "$FP_TMP/traces-$n" || fail "$n threads: flightprof's trampoline is in the stacks"

    tag_ms "$prof" thread >"$FP_TMP/tags-$n"
    cat "$FP_TMP/tags-$n"
    # Each worker's share of the profile vs. its share of the kernel's count.
    while read -r name cpu_s; do
        [ "$name" = process ] && continue
        want=$(awk -v c="$cpu_s" -v k="$kernel_ms" 'BEGIN { printf "%d", 100 * c * 1000 / k }')
        got=$(awk -v n="$name" -v t="$profile_ms" '$1 == n { printf "%d", 100 * $2 / t; f=1 } END { if (!f) print -1 }' "$FP_TMP/tags-$n")
        assert_between "$got" $((want - 5)) $((want + 5)) "$n threads: $name share"
    done <"$FP_TMP/report-$n"
done
