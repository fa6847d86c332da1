#!/bin/bash
# A thread named "victim" allocates twice, then crashes (SIGSEGV), aborts or
# exits with status 3 (with FLIGHTPROF_SNAPSHOT_ON=error). The exit status
# is what it is without flightprof, exactly one snapshot is written, and its
# dump shows the thread, both allocations, and the signal with its address
# and the crashing stack.
source "$FP_ROOT/tests/lib.sh"
if [ -n "$FP_SAN" ]; then
    echo "skipped: the sanitizer runtime owns the fatal signals"
    exit 0
fi
ulimit -c 0

check_mode() { # MODE EXPECTED_STATUS SNAPSHOT_ON
    local mode=$1 want=$2 dir=$FP_TMP/$1 rc plain
    mkdir -p "$dir"
    set +e
    "$FP_PROGS/rec_crash" "$mode" 2>/dev/null
    plain=$?
    FLIGHTPROF_SNAPSHOT="$dir/fr-%p-%n.fr" FLIGHTPROF_SNAPSHOT_ON=$3 FLIGHTPROF_LOG="$dir/log" \
        fp_run "$FP_PROGS/rec_crash" "$mode" 2>"$dir/stderr"
    rc=$?
    set -e
    cat "$dir/stderr"
    [ "$plain" = "$want" ] || fail "$mode: plain run exited $plain, expected $want"
    [ "$rc" = "$want" ] || fail "$mode: exit status $rc with flightprof, $want without"
    local files=("$dir"/*.fr)
    [ ${#files[@]} = 1 ] && [ -f "${files[0]}" ] || fail "$mode: expected one snapshot, got: $(ls "$dir")"
    ls "$dir" | grep -q tmp && fail "$mode: temporary file left behind"
    "$FP_CLI" dump "${files[0]}" >"$dir/dump" || fail "$mode: dump failed"
    head -40 "$dir/dump"
    grep -q 'victim(' "$dir/dump" || fail "$mode: no event of thread victim"
    grep -Eq 'victim\([0-9]+\) +malloc +123457 bytes at 0x[0-9a-f]+  <- victim \(.*rec_crash.c:[0-9]+\)' "$dir/dump" ||
        fail "$mode: the malloc of 123457 bytes is missing"
    grep -Eq 'victim\([0-9]+\) +calloc +7919 bytes' "$dir/dump" || fail "$mode: the calloc of 7919 bytes is missing"
}

check_mode segv 139 crash
d=$FP_TMP/segv/dump
grep -q '^trigger: *crash: SIGSEGV (si_code [0-9]*) at address 0x1234 in thread [0-9]* victim' "$d" ||
    fail "segv: trigger line wrong"
grep -Eq 'signal +SIGSEGV \(si_code [0-9]+\) at address 0x1234' "$d" || fail "segv: no signal event"
grep -A3 '^crash stack (thread [0-9]* victim)' "$d" | grep 'crash_here (.*rec_crash.c:' >/dev/null ||
    fail "segv: crash stack does not start in crash_here"
# It ends as the thread's stack would without flightprof: its trampoline
# is left out.
sed -n '/^crash stack/,/^$/p' "$d" >"$FP_TMP/segv/stack"
grep -q start_thread "$FP_TMP/segv/stack" || fail "segv: no start_thread on the crash stack: $(cat "$FP_TMP/segv/stack")"
! grep -q thread_begins "$FP_TMP/segv/stack" || fail "segv: flightprof's trampoline on the crash stack"
# The line goes to FLIGHTPROF_LOG, not to a stderr that is not a terminal.
grep -q '^flightprof: SIGSEGV at 0x1234: snapshot written to ' "$FP_TMP/segv/log" || fail "segv: no message in the log"
grep -qi 'snapshot written to' "$FP_TMP/segv/stderr" && fail "segv: the message is on stderr"

check_mode abort 134 crash
d=$FP_TMP/abort/dump
grep -q '^trigger: *crash: SIGABRT' "$d" || fail "abort: trigger line wrong"
grep -A12 '^crash stack' "$d" | grep 'crash_here' >/dev/null || fail "abort: crash_here not on the crash stack"

check_mode error 3 crash,error
d=$FP_TMP/error/dump
grep -q '^trigger: *error: exit status 3' "$d" || fail "error: trigger line wrong"
grep -Eq 'victim\([0-9]+\) +exit +status 3' "$d" || fail "error: no exit event"

# Symbolization is offline, from the snapshot's mappings: a binary replaced
# since the snapshot (different build-id) is reported, not misread.
mkdir -p "$FP_TMP/moved/fr"
cp "$FP_PROGS/rec_crash" "$FP_TMP/moved/prog"
set +e
FLIGHTPROF_SNAPSHOT="$FP_TMP/moved/fr/%n.fr" fp_run "$FP_TMP/moved/prog" segv 2>/dev/null
set -e
cp "$FP_PROGS/rec_server" "$FP_TMP/moved/prog"
"$FP_CLI" dump "$FP_TMP/moved/fr/1.fr" >"$FP_TMP/moved/dump" 2>"$FP_TMP/moved/err" || fail "dump failed"
grep -q "moved/prog has build-id .* not .*" "$FP_TMP/moved/err" || fail "build-id mismatch not reported: $(cat "$FP_TMP/moved/err")"
grep -q 'crash_here' "$FP_TMP/moved/dump" && fail "symbolized against the wrong binary"

# Without `error`, exit(3) writes nothing.
mkdir -p "$FP_TMP/none"
set +e
FLIGHTPROF_SNAPSHOT="$FP_TMP/none/fr-%n.fr" fp_run "$FP_PROGS/rec_crash" error
rc=$?
set -e
[ "$rc" = 3 ] || fail "exit status $rc, expected 3"
[ -z "$(ls "$FP_TMP/none")" ] || fail "a snapshot was written for exit(3) without FLIGHTPROF_SNAPSHOT_ON=error"
echo OK
