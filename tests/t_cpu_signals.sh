#!/bin/bash
# SIGTERM and SIGINT at their default disposition: the profile is written,
# then the program dies of the signal, exactly as it would have.
source "$FP_ROOT/tests/lib.sh"

for sig in TERM INT; do
    # Background jobs of a script start with SIGINT ignored; give the
    # program the default disposition a terminal would.
    FLIGHTPROF_CPU=$FP_TMP/$sig.pb.gz LD_PRELOAD=$FP_PRELOAD python3 -c '
import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execv(sys.argv[1], sys.argv[1:])' "$FP_PROGS/cpu_forever" >"$FP_TMP/$sig.out" &
    pid=$!
    for _ in $(seq 50); do grep -q started "$FP_TMP/$sig.out" && break; sleep 0.1; done
    sleep 0.5
    kill -$sig $pid
    for _ in $(seq 100); do kill -0 $pid 2>/dev/null || break; sleep 0.2; done
    kill -0 $pid 2>/dev/null && { kill -9 $pid; fail "SIG$sig did not end the program"; }
    set +e
    wait $pid
    rc=$?
    set -e
    want=$((128 + $(kill -l $sig)))
    [ $rc = $want ] || fail "SIG$sig: exit status $rc, want $want"
    pprof -top "$FP_TMP/$sig.pb.gz" >"$FP_TMP/$sig.top"
    grep -q burn_until_killed "$FP_TMP/$sig.top" || fail "SIG$sig: profile lacks the work"
done
