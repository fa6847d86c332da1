#!/bin/bash
# flightprof record: runs the command preloaded, leaves its stdout alone,
# exits as it did (status or signal), and summarises the profile on stderr:
# where it went, how many samples, the top functions.
source "$FP_ROOT/tests/lib.sh"
if [ -n "$FP_SAN" ]; then
    # record preloads the library by itself, and an ASan-built library may
    # only be preloaded behind the ASan runtime, which record does not add.
    echo "skipped under the sanitizers"
    exit 0
fi

"$FP_CLI" record -o "$FP_TMP/rec.pb.gz" --hz 250 -- "$FP_PROGS/cpu_split" 2 >"$FP_TMP/out" 2>"$FP_TMP/err"
cat "$FP_TMP/err"
[ "$(cat "$FP_TMP/out")" = done ] || fail "the command's stdout was changed: $(cat "$FP_TMP/out")"
grep -qE "^flightprof: CPU profile written to $FP_TMP/rec.pb.gz: [0-9]+ samples" "$FP_TMP/err" ||
    fail "no summary line naming the profile"
samples=$(sed -n 's/.*: \([0-9]*\) samples.*/\1/p' "$FP_TMP/err")
[ "$samples" -gt 0 ] || fail "summary reports no samples"
grep -E '^flightprof: +[0-9.]+% +burn_units$' "$FP_TMP/err" >/dev/null || fail "burn_units (inlined in work_*) not in the top functions"
[ "$(grep -cE '^flightprof: +[0-9.]+% ' "$FP_TMP/err")" -le 5 ] || fail "more than 5 top functions"
pprof -top "$FP_TMP/rec.pb.gz" | grep work_sixty >/dev/null || fail "the profile itself lacks work_sixty"

# Exit status and death by signal pass through.
set +e
"$FP_CLI" record -o "$FP_TMP/exit.pb.gz" -- sh -c 'exit 3' 2>/dev/null
rc=$?
"$FP_CLI" record -o "$FP_TMP/sig.pb.gz" -- sh -c 'kill -USR1 $$' 2>/dev/null
sig_rc=$?
"$FP_CLI" record -o "$FP_TMP/x.pb.gz" -- /nonexistent/program 2>"$FP_TMP/missing.err"
missing_rc=$?
"$FP_CLI" record --hz 0 -- true 2>"$FP_TMP/badhz.err"
badhz_rc=$?
set -e
[ $rc = 3 ] || fail "exit status 3 came back as $rc"
[ $sig_rc = $((128 + $(kill -l USR1))) ] || fail "death by SIGUSR1 came back as $sig_rc"
[ $missing_rc = 127 ] || fail "a missing command gave $missing_rc, not 127"
grep -q '^flightprof: cannot run /nonexistent/program' "$FP_TMP/missing.err" || fail "no message for a missing command"
[ $badhz_rc = 2 ] && grep -q '^flightprof: record: --hz' "$FP_TMP/badhz.err" || fail "--hz 0 was accepted"

# The block and threadcreate profiles, summarised like the others.
"$FP_CLI" record -o "$FP_TMP/tc-cpu.pb.gz" --block "$FP_TMP/tc-block.pb.gz" \
    --threadcreate "$FP_TMP/tc.pb.gz" -- "$FP_PROGS/thread_sites" >"$FP_TMP/tc.out" 2>"$FP_TMP/tc.err" ||
    fail "record --block --threadcreate failed: $(cat "$FP_TMP/tc.err")"
grep -q "^flightprof: threadcreate profile written to $FP_TMP/tc.pb.gz: 8 samples" "$FP_TMP/tc.err" ||
    fail "no threadcreate summary: $(cat "$FP_TMP/tc.err")"
grep -q "^flightprof: block profile written to $FP_TMP/tc-block.pb.gz" "$FP_TMP/tc.err" ||
    fail "no block summary: $(cat "$FP_TMP/tc.err")"
