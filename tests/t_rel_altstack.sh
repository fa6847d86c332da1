#!/bin/bash
# CPU samples that land on a program's small alternate signal stack (a
# handler of the program's running there, 8 KiB above a guard page) must
# not overflow it: the program runs as without flightprof and its time is
# still in the profile, at the interrupted function.
source "$FP_ROOT/tests/lib.sh"

if [ -n "$FP_SAN" ]; then
    # The sanitizers' redzones make flightprof's handler frames (and
    # their interceptors') several times larger: 8 KiB cannot hold even
    # the interrupted-PC path there. The plain build is what hosts run.
    echo "SKIP: under the sanitizers flightprof's handler needs more than an 8 KiB alternate stack"
    exit 0
fi

FLIGHTPROF_CPU=$FP_TMP/cpu.pb.gz FLIGHTPROF_HZ=1000 same_behaviour "$FP_PROGS/rel_altstack"
grep -qx ok with.out || fail "the program did not finish: $(cat with.err)"
[ "$(pprof_cum cpu ns burn_in_handler cpu.pb.gz)" -gt 0 ] ||
    fail "the handler's CPU time is not in the profile"
