#!/bin/bash
# The block profile (FLIGHTPROF_BLOCK), read back by google/pprof's parser
# (CheckValid) and go tool pprof: Go's sample types and period; every wait
# on synchronization at its own function with the time that function
# measured itself waiting (condition variables, semaphores, barriers, a
# join, a mutex: all longer than the 1 ms rate, so recorded exactly);
# sleeps and polls left out; and a hundred thousand waits of microseconds,
# sampled with probability wait/rate and scaled, estimating their total
# within 5 standard deviations of what the program measured. The
# program's output and exit status do not change and its nanosleep is
# never interrupted. A bad rate is one line and the default.
source "$FP_ROOT/tests/lib.sh"

prog=$FP_PROGS/block_waits
rc=0
FLIGHTPROF_BLOCK=$FP_TMP/block.pb.gz fp_run "$prog" >out 2>err || rc=$?
[ "$rc" = 0 ] || { cat err >&2; fail "exit status $rc"; }
[ "$(tail -1 out)" = done ] || fail "stdout: $(cat out)"
! grep -v '^flightprof: ' err | grep -q . || fail "unexpected stderr: $(cat err)"
"$FP_PPROFCHECK" block.pb.gz >facts || fail "not a valid profile"
pprof -traces block.pb.gz >traces
grep -q 'cond_thread' traces || fail "no cond_thread in the stacks"
! grep -q thread_begins traces || fail "flightprof's thread trampoline is in the stacks"

[ "$(grep ^type facts | tr '\n' ' ')" = "type contentions/count type delay/nanoseconds " ] ||
    fail "sample types: $(grep ^type facts)"
grep -qx 'period 1 contentions/count' facts || fail "period: $(grep ^period facts)"
measured() { sed -n "s/^$1_ns //p" out; }
cum() { # TYPE FUNCTION
    awk -v t="$1" -v fn="$2" '$1 == "cum" && $2 == t && $4 == fn { print $3; found = 1; exit }
                              END { if (!found) print 0 }' facts
}

# Waits above the rate: the profile's delay is what the function measured
# around them, to within 5 % and 5 ms (the function's own few instructions
# and lock calls outside the waits).
for w in cond:wait_cond sem:wait_sem barrier:wait_barrier join:join_worker lock:wait_lock; do
    name=${w%%:*} fn=${w#*:}
    want=$(measured "$name")
    got=$(cum delay "$fn")
    [ "$want" -gt 20000000 ] || fail "$fn waited only $want ns: the program did not wait as meant"
    diff=$((got > want ? got - want : want - got))
    [ "$diff" -le $((want / 20 + 5000000)) ] ||
        fail "$fn: $got ns of delay in the profile, $want ns measured"
done
assert_between "$(cum contentions wait_cond)" 5 10 "contentions of wait_cond"
assert_between "$(cum contentions wait_sem)" 5 5 "contentions of wait_sem"
assert_between "$(cum contentions wait_barrier)" 3 3 "contentions of wait_barrier"
for fn in sleeper poller; do
    [ "$(cum delay "$fn")" = 0 ] || fail "$fn (a sleep or a poll) is in the block profile"
done

# Short waits, each chosen with probability wait/rate and counted as
# rate: the estimate's variance is at most rate x total.
want=$(measured short)
got=$(cum delay short_waits)
python3 - "$want" "$got" <<'PY' || fail "short waits: $got ns estimated, $want ns measured"
import math, sys
want, got = int(sys.argv[1]), int(sys.argv[2])
sigma = math.sqrt(1e6 * want)
print("short waits: %.1f ms measured, %.1f ms estimated, 5 sigma = %.1f ms" % (want / 1e6, got / 1e6, 5 * sigma / 1e6))
sys.exit(0 if abs(got - want) <= 5 * sigma else 1)
PY

# Every wait recorded at rate 1 ns: each of the 200000 short waits counted
# once, with its own delay (the program's clock also takes in the stack
# capture after each wait, which can be longer than the wait itself, so
# its sum is the larger, by up to several times on a slow machine).
FLIGHTPROF_BLOCK=$FP_TMP/all.pb.gz FLIGHTPROF_BLOCK_RATE=1 fp_run "$prog" >all.out 2>all.err ||
    fail "rate 1: exit status $?"
"$FP_PPROFCHECK" all.pb.gz >facts || fail "rate 1: not a valid profile"
want=$(sed -n 's/^short_ns //p' all.out)
got=$(cum delay short_waits)
[ "$got" -le $((want + want / 20)) ] && [ "$got" -ge $((want / 10)) ] ||
    fail "rate 1: short waits $got ns in the profile, $want measured"
assert_between "$(cum contentions short_waits)" 199000 200000 "rate 1: short waits counted"

# A bad rate: one line, and the default.
FLIGHTPROF_BLOCK=$FP_TMP/bad.pb.gz FLIGHTPROF_BLOCK_RATE=soon fp_run "$prog" >bad.out 2>bad.err ||
    fail "bad rate: exit status $?"
[ "$(wc -l <bad.err)" = 1 ] && grep -q '^flightprof: FLIGHTPROF_BLOCK_RATE' bad.err ||
    fail "bad rate: $(cat bad.err)"
"$FP_PPROFCHECK" bad.pb.gz >/dev/null || fail "bad rate: not a valid profile"
