#!/bin/bash
# SIGTERM and SIGINT at their default disposition: the profile is written,
# then the program dies of the signal, exactly as it would have.
source "$FP_ROOT/tests/lib.sh"

for sig in TERM INT; do
    FLIGHTPROF_CPU=$FP_TMP/$sig.pb.gz LD_PRELOAD=$FP_PRELOAD "$FP_PROGS/cpu_forever" >"$FP_TMP/$sig.out" &
    pid=$!
    for _ in $(seq 50); do grep -q started "$FP_TMP/$sig.out" && break; sleep 0.1; done
    sleep 0.5
    kill -$sig $pid
    set +e
    wait $pid
    rc=$?
    set -e
    want=$((128 + $(kill -l $sig)))
    [ $rc = $want ] || fail "SIG$sig: exit status $rc, want $want"
    pprof -top "$FP_TMP/$sig.pb.gz" | grep -q burn_until_killed || fail "SIG$sig: profile lacks the work"
done
