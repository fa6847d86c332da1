#!/bin/bash
# The process ends when the program's last thread ends, as it would
# without flightprof (glibc calls exit(0) then): main calling pthread_exit,
# a worker outliving it, and a fork child whose only thread returns from
# its start routine. The profiles are written at that exit, and name the
# program's binary even when the main thread was gone by then (/proc/self
# of a dead leader lists no mapping).
source "$FP_ROOT/tests/lib.sh"

prog=$FP_PROGS/rel_threads_end
for mode in main-exit worker fork-child; do
    "$prog" "$mode" >"plain-$mode.out" || fail "$mode: plain run failed"
    rm -f cpu.pb.gz* fr-*.fr
    rc=0
    FLIGHTPROF_CPU=$FP_TMP/cpu.pb.gz FLIGHTPROF_SNAPSHOT=$FP_TMP/fr-%p.fr FLIGHTPROF_SNAPSHOT_ON=exit \
        timeout -k 2 20 env LD_PRELOAD="$FP_PRELOAD" "$prog" "$mode" >"with-$mode.out" || rc=$?
    [ "$rc" = 124 ] || [ "$rc" = 137 ] && fail "$mode: the process did not end (a flightprof thread kept it alive)"
    [ "$rc" = 0 ] || fail "$mode: exit status $rc"
    diff "plain-$mode.out" "with-$mode.out" || fail "$mode: output differs"
    [ -f cpu.pb.gz ] || fail "$mode: no profile written at exit"
    pprof -top cpu.pb.gz >/dev/null
    go tool pprof -raw cpu.pb.gz >raw.txt 2>&1
    if grep -q 'Main binary filename not available' raw.txt; then
        fail "$mode: the profile names no binary"
    fi
    # A profile without samples needs no mapping; one with samples does.
    nsamples=$(sed -n '/^Samples:/,/^Locations/p' raw.txt | grep -c '^ *[0-9]' || true)
    if [ "$nsamples" -gt 0 ] && ! sed -n '/^Mappings/,$p' raw.txt | grep -qF "$prog"; then
        fail "$mode: $nsamples samples but no mapping of $prog in the profile"
    fi
    echo "$mode: $nsamples samples" >&2
    # The exit snapshot names the program too (its executable and maps).
    for f in fr-*.fr; do
        "$FP_CLI" dump "$f" >"$f.txt" || fail "$mode: dump of $f failed"
        grep -q "^process: *[0-9]* $prog\$" "$f.txt" || fail "$mode: $f: $(grep '^process:' "$f.txt")"
        grep -q 'mappings: [1-9]' "$f.txt" || fail "$mode: $f: $(grep 'mappings:' "$f.txt")"
    done
done
# The fork child wrote its own profile at its exit too.
ls cpu.pb.gz.* >/dev/null 2>&1 || fail "fork-child: the child wrote no profile"
