#!/bin/bash
# Bad configuration gets one clear "flightprof:" line on stderr; the program
# runs on with the default or unprofiled, with its stdout and exit status
# untouched.
source "$FP_ROOT/tests/lib.sh"

check() { # EXPECTED-STDERR-PATTERN ENV...
    local pattern=$1
    shift
    env "$@" bash -c 'source "$FP_ROOT/tests/lib.sh"; same_behaviour "$FP_PROGS/cpu_split" 0.3'
    grep -E "^flightprof: .*$pattern" "$FP_TMP/with.err" >/dev/null ||
        { cat "$FP_TMP/with.err"; fail "no message matching '$pattern' for $*"; }
    if grep -v '^flightprof: ' "$FP_TMP/with.err" | grep -q .; then
        cat "$FP_TMP/with.err"
        fail "unexpected stderr output for $*"
    fi
}

check 'FLIGHTPROF_HZ=abc' FLIGHTPROF_HZ=abc FLIGHTPROF_CPU="$FP_TMP/a.pb.gz"
[ -s "$FP_TMP/a.pb.gz" ] || fail "a bad FLIGHTPROF_HZ should leave the profiler on at the default rate"
check 'FLIGHTPROF_HZ=5000' FLIGHTPROF_HZ=5000 FLIGHTPROF_CPU="$FP_TMP/b.pb.gz"
check 'FLIGHTPROF_UNWIND=magic' FLIGHTPROF_UNWIND=magic FLIGHTPROF_CPU="$FP_TMP/c.pb.gz"
check 'FLIGHTPROF_DEPTH=0' FLIGHTPROF_DEPTH=0 FLIGHTPROF_CPU="$FP_TMP/d.pb.gz"
check 'cannot create files in /nonexistent-dir' FLIGHTPROF_CPU=/nonexistent-dir/x.pb.gz
check 'FLIGHTPROF_CPU=/etc/passwd/x.pb.gz' FLIGHTPROF_CPU=/etc/passwd/x.pb.gz
# Root may write anywhere, so unwritable means a read-only place here.
check 'FLIGHTPROF_CPU=/proc/x.pb.gz' FLIGHTPROF_CPU=/proc/x.pb.gz

# A program that samples SIGPROF itself: flightprof warns and steps aside.
set +e
FLIGHTPROF_CPU=$FP_TMP/own.pb.gz fp_run "$FP_PROGS/cpu_own_sigprof" >"$FP_TMP/own.out" 2>"$FP_TMP/own.err"
rc=$?
set -e
cat "$FP_TMP/own.out" "$FP_TMP/own.err"
[ $rc = 0 ] || fail "the program's own SIGPROF sampling was disturbed"
grep -q '^flightprof: .*SIGPROF.*steps aside' "$FP_TMP/own.err" || fail "no step-aside warning"
