#!/bin/bash
# Programs with their own handlers for fatal signals (tests/progs/
# rec_sighandler): flightprof's crash hook stays installed but runs them as
# the kernel would. A handler that deals with faults (a write barrier) or
# leaves with siglongjmp, and an ignored signal, leave no snapshot and the
# program runs on; a handler that ends at the default action (SA_RESETHAND
# and return, or SIG_DFL and raise) gets one crash snapshot. Exit status
# and output are the same as without flightprof.
source "$FP_ROOT/tests/lib.sh"
if [ -n "$FP_SAN" ]; then
    echo "skipped: the sanitizer runtime owns the fatal signals"
    exit 0
fi
ulimit -c 0

check() { # MODE SNAPSHOTS
    local mode=$1 dir=$FP_TMP/$1 plain rc
    mkdir -p "$dir"
    set +e
    "$FP_PROGS/rec_sighandler" "$mode" >"$dir/plain.out" 2>"$dir/plain.err"
    plain=$?
    # Not through fp_run: bash would report the signal into fp.err.
    FLIGHTPROF_SNAPSHOT="$dir/fr-%n.fr" LD_PRELOAD="$FP_PRELOAD" "$FP_PROGS/rec_sighandler" "$mode" \
        >"$dir/fp.out" 2>"$dir/fp.err"
    rc=$?
    set -e
    cat "$dir/fp.err"
    [ "$rc" = "$plain" ] || fail "$mode: exit status $rc with flightprof, $plain without"
    cmp -s "$dir/plain.out" "$dir/fp.out" || fail "$mode: stdout differs: $(cat "$dir/fp.out")"
    grep -v '^flightprof: ' "$dir/fp.err" >"$dir/program.err" || true
    cmp -s "$dir/plain.err" "$dir/program.err" || fail "$mode: the program's stderr differs"
    local n
    n=$(find "$dir" -name '*.fr' | wc -l)
    [ "$n" = "$2" ] || fail "$mode: $n snapshots, expected $2"
    echo "$mode: exit $rc, $n snapshot(s)"
}

check handled 0
grep -qx 'handled 100' "$FP_TMP/handled/fp.out" || fail "handled: the write barrier did not run 100 times"
check ignored 0
check longjmp 0
check resethand 1
grep -q 'handler ran' "$FP_TMP/resethand/fp.err" || fail "resethand: the program's handler did not run"
"$FP_CLI" dump "$FP_TMP/resethand/fr-1.fr" >resethand.dump || fail "resethand: dump failed"
grep -q '^trigger: *crash: SIGSEGV (si_code [0-9]*) at address 0x4321' resethand.dump ||
    fail "resethand: trigger line wrong: $(grep trigger resethand.dump)"
check reraise 1
"$FP_CLI" dump "$FP_TMP/reraise/fr-1.fr" >reraise.dump || fail "reraise: dump failed"
grep -q '^trigger: *crash: SIGSEGV' reraise.dump || fail "reraise: trigger line wrong"
