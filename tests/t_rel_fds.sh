#!/bin/bash
# flightprof holds no file descriptor of the program's: none is open while
# it profiles, close_range(3, ~0) takes nothing of ours (and the program's
# files stay as written), and a daemon that closed 0-2 gets 0-2 back from
# open() in its fork child. Under every collector, the program's view is
# the plain run's.
source "$FP_ROOT/tests/lib.sh"

prog=$FP_PROGS/rel_fds
# Runs "$@" with only 0-2 open: whatever else the test runner holds is not
# the program's.
only_stdio() {
    (
        for fd in /proc/$BASHPID/fd/*; do
            fd=${fd##*/}
            [ "$fd" -gt 2 ] && eval "exec $fd>&-"
        done
        exec "$@"
    )
}
only_stdio "$prog" >plain.out || fail "plain run failed"
FLIGHTPROF_CPU=$FP_TMP/cpu.pb.gz FLIGHTPROF_HZ=1000 FLIGHTPROF_HEAP=$FP_TMP/heap.pb.gz \
FLIGHTPROF_MUTEX=$FP_TMP/mutex.pb.gz FLIGHTPROF_SNAPSHOT=$FP_TMP/fr-%n.fr \
    only_stdio env LD_PRELOAD="$FP_PRELOAD" "$prog" >with.out 2>with.err ||
    { cat with.err; fail "profiled run failed"; }
cat with.out
if [ -n "$FP_SAN" ]; then
    # The sanitizer runtime keeps descriptors of its own: compare the rest.
    sed -i '/^open: /d' plain.out with.out
fi
diff plain.out with.out || fail "the program's descriptors differ with flightprof"
grep -q "^open: 0,1,2$" with.out || [ -n "$FP_SAN" ] || fail "unexpected descriptors open"
pprof -top cpu.pb.gz >/dev/null
pprof -top heap.pb.gz >/dev/null
