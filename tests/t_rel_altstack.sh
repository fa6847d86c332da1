#!/bin/bash
# CPU samples that land on a program's small alternate signal stack (a
# handler of the program's running there, 8 KiB above a guard page) must
# not overflow it: the program runs as without flightprof and its time is
# still in the profile, at the interrupted function.
source "$FP_ROOT/tests/lib.sh"

FLIGHTPROF_CPU=$FP_TMP/cpu.pb.gz FLIGHTPROF_HZ=1000 same_behaviour "$FP_PROGS/rel_altstack"
grep -qx ok with.out || fail "the program did not finish: $(cat with.err)"
[ "$(pprof_cum cpu ns burn_in_handler cpu.pb.gz)" -gt 0 ] ||
    fail "the handler's CPU time is not in the profile"
