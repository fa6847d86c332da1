#!/bin/bash
# Two threads contend for a mutex held ~5 ms: the waiter's lock-wait events
# have durations near 5 ms (the lock wrapper measures; the recorder keeps).
source "$FP_ROOT/tests/lib.sh"

FLIGHTPROF_SNAPSHOT="$FP_TMP/unused-%n.fr" fp_run "$FP_PROGS/rec_contend" "$FP_TMP/c.fr" 6 ||
    fail "rec_contend failed"
"$FP_CLI" dump "$FP_TMP/c.fr" >"$FP_TMP/dump" || fail "dump failed"
grep -E 'mutex-wait' "$FP_TMP/dump" || fail "no mutex contention events"
# Generous bounds: the holder sleeps 5 ms; the waiter started waiting ~0.2 ms in.
n=$(awk '$2 ~ /^waiter\(/ && $3 == "mutex-wait" { ms = $5 + 0; if (ms >= 3 && ms <= 25) ok++ } END { print ok + 0 }' "$FP_TMP/dump")
[ "$n" -ge 4 ] || fail "only $n of 6 waits lasted 3-25 ms"
grep -Eq 'waiter\([0-9]+\) +mutex-wait +blocked [0-9.]+ ms on 0x[0-9a-f]+  <- waiter \(.*rec_contend.c:[0-9]+\)' "$FP_TMP/dump" ||
    fail "the waits are not attributed to waiter()"
grep -Eq 'holder\([0-9]+\) +nanosleep +blocked [4-9]\.[0-9]+ ms' "$FP_TMP/dump" || fail "no 5 ms nanosleep of the holder"
echo OK
