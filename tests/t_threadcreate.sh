#!/bin/bash
# The threadcreate profile (FLIGHTPROF_THREADCREATE), read back by
# google/pprof's parser (CheckValid) and go tool pprof: Go's sample type
# and period, and exactly one count per thread created at each of two
# call sites (3 and 5); flightprof's own threads are not among them.
source "$FP_ROOT/tests/lib.sh"

rc=0
FLIGHTPROF_THREADCREATE=$FP_TMP/tc.pb.gz FLIGHTPROF_CPU=$FP_TMP/cpu.pb.gz \
    fp_run "$FP_PROGS/thread_sites" >out 2>err || rc=$?
[ "$rc" = 0 ] && [ "$(cat out)" = done ] || fail "status $rc, output $(cat out)"
! grep -v '^flightprof: ' err | grep -q . || fail "unexpected stderr: $(cat err)"
"$FP_PPROFCHECK" tc.pb.gz >facts || fail "not a valid profile"
pprof -top tc.pb.gz >/dev/null
[ "$(grep ^type facts)" = "type threadcreate/count" ] || fail "sample type: $(grep ^type facts)"
grep -qx 'period 1 threadcreate/count' facts || fail "period: $(grep ^period facts)"
cum() { awk -v fn="$1" '$1 == "cum" && $4 == fn { print $3; found = 1; exit } END { if (!found) print 0 }' facts; }
[ "$(cum spawn_three)" = 3 ] || fail "spawn_three created $(cum spawn_three) threads, not 3"
[ "$(cum spawn_five)" = 5 ] || fail "spawn_five created $(cum spawn_five) threads, not 5"
grep -qx 'total threadcreate 8' facts || fail "total: $(grep ^total facts)"
