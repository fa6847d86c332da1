#!/bin/bash
# The mutex profile: a waiter blocks 100 times ~5 ms on a mutex in
# contended_lock and 20 times on a write-held rwlock in contended_rdlock
# (tests/progs/mutex_contend.c, which measures its own waits). Each site's
# delay must be within ±20% of what the program measured, the mutex site
# must dominate, contentions must be counted exactly at rate 1, and at
# rate N the scaled values must still estimate the truth.
source "$FP_ROOT/tests/lib.sh"

FLIGHTPROF_MUTEX=$FP_TMP/mutex.pb.gz fp_run "$FP_PROGS/mutex_contend" "$FP_TMP/report"
cat "$FP_TMP/report"
f=$FP_TMP/mutex.pb.gz
raw=$(pprof -raw "$f")
grep -q '^PeriodType: contentions count' <<<"$raw" || fail "period type is not contentions/count"
grep -q 'contentions/count delay/nanoseconds' <<<"$raw" || fail "sample types are not Go's"

measured_mutex=$(awk '$1 == "mutex_ns" { print $2 }' "$FP_TMP/report")
measured_rw=$(awk '$1 == "rwlock_ns" { print $2 }' "$FP_TMP/report")
# The program itself must have waited about 100 x 5 ms, or the test has no
# teeth: each wait is what is left of the 5 ms hold once the waiter has
# reached the lock, less on a slow machine (3.9 ms on average was seen
# under the sanitizers).
assert_between "$measured_mutex" 250000000 1500000000 "measured mutex wait (ns)"

check_site() { # NAME MEASURED_NS CONTENTIONS
    local delay count
    delay=$(pprof_cum delay ns "$1" "$f")
    count=$(pprof_cum contentions ns "$1" "$f")
    echo "$1: delay $delay ns (measured $2), contentions $count"
    assert_between "$delay" $(($2 * 80 / 100)) $(($2 * 120 / 100)) "$1 delay"
    [ "$count" = "$3" ] || fail "$1: $count contentions, expected $3"
}
check_site contended_lock "$measured_mutex" 100
check_site contended_rdlock "$measured_rw" 20
top=$(pprof -top "$f")
[ "$(top_share <(echo "$top") contended_lock)" -ge 75 ] || fail "contended_lock does not dominate the delay"

# Sampling 1 in 4: values are scaled by the rate.
FLIGHTPROF_MUTEX=$FP_TMP/rate.pb.gz FLIGHTPROF_MUTEX_RATE=4 fp_run "$FP_PROGS/mutex_contend" "$FP_TMP/report4"
raw=$(pprof -raw "$FP_TMP/rate.pb.gz")
grep -q '^Period: 4$' <<<"$raw" || fail "period is not the rate"
count=$(pprof_cum contentions ns contended_lock "$FP_TMP/rate.pb.gz")
[ $((count % 4)) = 0 ] || fail "contentions at rate 4 are not scaled by 4: $count"
assert_between "$count" 40 200 "estimated contentions at rate 4"
