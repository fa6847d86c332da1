#!/bin/bash
# The program's own crash handler runs exactly as without flightprof: on
# the stack the kernel would have chosen (the faulting one, or the
# program's alternate stack with SA_ONSTACK), with no sample taken inside
# it, and the crash snapshot is still written when it re-raises. Redis's
# crash report (which tests all of the process's memory from its SIGSEGV
# handler) must be complete under the recorder and under the CPU profile.
source "$FP_ROOT/tests/lib.sh"

for mode in plain onstack; do
    set +e
    "$FP_PROGS/rel_crash_stack" "$mode" >"plain-$mode.out" 2>/dev/null
    plain_rc=$?
    FLIGHTPROF_SNAPSHOT=$FP_TMP/cs-$mode-%p.fr FLIGHTPROF_CPU=$FP_TMP/cs-$mode.pb.gz FLIGHTPROF_HZ=1000 \
        fp_run "$FP_PROGS/rel_crash_stack" "$mode" >"with-$mode.out" 2>"with-$mode.err"
    with_rc=$?
    set -e
    [ "$plain_rc" = "$with_rc" ] || fail "$mode: exit status $with_rc with flightprof, $plain_rc without"
    diff "plain-$mode.out" "with-$mode.out" || fail "$mode: the program's handler ran elsewhere"
    ls "$FP_TMP"/cs-"$mode"-*.fr >/dev/null 2>&1 || fail "$mode: no crash snapshot after the handler re-raised"
done

if ! command -v redis-server >/dev/null; then
    echo "SKIP: redis-server is not installed (scripts/install-deps.sh installs it)"
    exit 0
fi
# One Redis run with the given collectors, crashed with SIGSEGV; its log
# must hold the whole bug report and no memory error.
redis_crash() { # NAME ENV...
    local name=$1 log=$FP_TMP/redis-$1.log pid rc
    shift
    env LD_PRELOAD="$FP_PRELOAD" "$@" redis-server --port 0 --unixsocket "$FP_TMP/r-$name.sock" \
        --save '' --appendonly no --daemonize no --logfile "$log" &
    pid=$!
    for _ in $(seq 100); do [ -S "$FP_TMP/r-$name.sock" ] && break; sleep 0.05; done
    [ -S "$FP_TMP/r-$name.sock" ] || fail "$name: redis did not start"
    kill -SEGV "$pid"
    set +e
    wait "$pid"
    rc=$?
    set -e
    [ "$rc" = 139 ] || fail "$name: redis exited $rc, expected death by SIGSEGV (139)"
    grep -q "BUG REPORT END" "$log" || { tail -5 "$log"; fail "$name: Redis's crash report is cut short"; }
    grep -q "MEMORY ERROR" "$log" && fail "$name: Redis's memory test failed under flightprof"
    return 0
}
if [ -n "$FP_SAN" ]; then
    echo "SKIP: Redis under ASan (its crash handler's memory test reads ASan's shadow memory)"
    exit 0
fi
redis_crash recorder FLIGHTPROF_SNAPSHOT="$FP_TMP/redis-%p.fr"
ls "$FP_TMP"/redis-*.fr >/dev/null 2>&1 || fail "recorder: no crash snapshot from Redis"
"$FP_CLI" dump "$FP_TMP"/redis-*.fr >redis-dump.txt
grep -q "^trigger: *crash: SIGSEGV" redis-dump.txt || fail "recorder: the snapshot is not a SIGSEGV crash's"
for i in 1 2 3; do
    redis_crash "cpu$i" FLIGHTPROF_CPU="$FP_TMP/redis-$i.pb.gz" FLIGHTPROF_HZ=1000
done
