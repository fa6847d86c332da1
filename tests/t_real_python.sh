#!/bin/bash
# CPython's own regression tests (Debian's /usr/bin/python3 3.11 and its
# libpython3.11-testsuite) for the parts of the runtime a preloaded
# profiler can break: threads, signals, subprocesses, faulthandler, os,
# fork, select, sys, ctypes, mmap. They run plain and with every collector
# on, and each test module and each test case must have the same result
# with flightprof as without (some may fail or skip plain on this machine:
# running as root, no network; the oracle is "same result as plain").
#
# The modules run in one `python3 -m test -j10` per run: one worker
# process per module, so a module that crashes or hangs is reported as
# such by regrtest while the others still give their results, and
# --timeout makes a hung worker print every thread's Python stack before it
# is killed. The raw output differs between any two plain runs (load
# averages, durations, the order in which workers finish), so what is
# compared is what real_regrtest.py extracts: each module's result line,
# the summary block, and each test case's status from --junit-xml.
#
# The runs go side by side (they mostly sleep: 13 s of CPU in 50 s): two
# plain runs, whose agreement shows the oracle is stable (a test case
# whose result differs between them is flaky here and is left out, with a
# note), and the profiled one. Under the sanitizers the second baseline is
# the ASan runtime alone: a module whose results it changes by itself
# cannot be judged and is skipped.
source "$FP_ROOT/tests/real_lib.sh"

PY=/usr/bin/python3
RR="$PY $FP_ROOT/tests/real_regrtest.py"
MODULES=(test_threading test_signal test_subprocess test_faulthandler test_os test_fork1
         test_select test_sys test_ctypes test_mmap)
# regrtest's per-module limit; a worker that ignores it is killed at 1.5x.
MODULE_TIMEOUT=${REAL_PY_MODULE_TIMEOUT:-120}
RUN_LIMIT=$((MODULE_TIMEOUT * 3 / 2 + 30))

[ -x $PY ] && $PY -c 'import test.libregrtest' 2>/dev/null ||
    fail "needs /usr/bin/python3 with libpython3.11-testsuite (scripts/install-deps.sh)"
ulimit -c 0

start_regrtest() { # KIND NAME
    local w=$FP_TMP/work/$2
    rm -rf "$w"
    mkdir -p "$w/tmp"
    chmod 1777 "$w/tmp"
    REAL_CWD=$w real_start "$1" "$2" "$RUN_LIMIT" env "TMPDIR=$w/tmp" \
        $PY -m test -j"${#MODULES[@]}" --timeout="$MODULE_TIMEOUT" --junit-xml="$w/junit.xml" "${MODULES[@]}"
}

canon() { # NAME [--drop MODULE...]
    local n=$1
    shift
    $RR canon "$FP_TMP/runs/$n/out" "$FP_TMP/work/$n/junit.xml" "$@" >"$FP_TMP/runs/$n/canon"
}

if [ -z "${FP_SAN:-}" ]; then
    base2_kind=plain
else
    base2_kind=asan
fi
start_regrtest plain py.plain
start_regrtest "$base2_kind" "py.$base2_kind"2
start_regrtest prof py.prof
real_wait py.plain
real_wait "py.$base2_kind"2
real_wait py.prof

for n in py.plain "py.$base2_kind"2 py.prof; do
    canon $n
    echo "== $n: $(grep -c '^case ' "$FP_TMP/runs/$n/canon") test cases; modules:"
    grep '^module ' "$FP_TMP/runs/$n/canon" | sed 's/^/    /' || true
done

P=$FP_TMP/runs/py.plain
B=$FP_TMP/runs/py.${base2_kind}2
Q=$FP_TMP/runs/py.prof
: >"$FP_TMP/flaky"
drop=()
if [ -z "${FP_SAN:-}" ]; then
    # The oracle: two plain runs. Differences are flaky tests on this machine.
    if $RR compare "$P/canon" "$B/canon" "$FP_TMP/work/py.plain2/junit.xml" >"$FP_TMP/plain-vs-plain"; then
        echo "python: the two plain runs have the same results (raw outputs differ:" \
            "$(diff "$P/out" "$B/out" | grep -c '^[<>]') lines, e.g. load averages and durations)"
    else
        echo "python: NOTE: the two plain runs disagree (flaky here; left out of the comparison):"
        sed 's/^/    /' "$FP_TMP/plain-vs-plain"
        $RR cases "$P/canon" "$B/canon" >"$FP_TMP/flaky"
        # a module whose own result differs is left out whole
        mapfile -t drop < <(grep -E '^module ' "$FP_TMP/plain-vs-plain" | awk '{print $2}' | tr -d :)
    fi
else
    # Under the sanitizers: what the ASan runtime alone changes is not ours.
    mapfile -t drop < <($RR modules "$P/canon" "$B/canon")
    for m in "${drop[@]}"; do
        echo "SKIP: python $m under ASan: the ASan runtime alone (no flightprof) changes its results:"
        { $RR compare "$P/canon" "$B/canon" "$FP_TMP/work/py.asan2/junit.xml" || true; } |
            { grep -E "^module $m:|^  $m" || true; } | head -n 6 | sed 's/^/    /'
    done
    # (the ASan runtime and CPython's allocators, fault handlers and
    # address-space limits are the usual causes)
    P=$B
fi
if [ ${#drop[@]} -gt 0 ]; then
    canon "$(basename "$P")" --drop "${drop[@]}"
    canon py.prof --drop "${drop[@]}"
    echo "python: left out: ${drop[*]}"
fi
base_junit=$FP_TMP/work/$(basename "$P")/junit.xml
if ! $RR compare "$P/canon" "$Q/canon" "$FP_TMP/work/py.prof/junit.xml" "$FP_TMP/flaky" >"$FP_TMP/diff"; then
    real_fail "CPython regression tests, all collectors: results differ from the plain run:
$(cat "$FP_TMP/diff")"
fi
# (regrtest's exit status follows from the results, but for left-out ones)
[ ${#drop[@]} -gt 0 ] || [ -s "$FP_TMP/flaky" ] || [ "$(cat "$Q/rc")" = "$(cat "$P/rc")" ] ||
    real_fail "CPython regression tests, all collectors: regrtest exited $(real_status "$Q/rc"), $(real_status "$P/rc") without"

# A hung test module: regrtest's --timeout dumps every thread's Python stack
# (into the test log) and ends the worker; the failure names the test.
if grep -q '^Timeout (' "$Q/out"; then
    echo "== python: a test module hung with flightprof; regrtest's dump of its threads:"
    grep -A40 '^Timeout (' "$Q/out" | head -n 80
    hung=$(grep -A60 '^Timeout (' "$Q/out" | sed -nE 's|.*/(test_[a-z0-9_]+)\.py", line [0-9]+ in (test[A-Za-z0-9_]*)$|\1.\2|p' | sort -u | tr '\n' ' ')
    real_fail "CPython regression tests, all collectors: HUNG: a test ran past regrtest's --timeout=${MODULE_TIMEOUT}s: ${hung:-(see the dump in the log)}"
fi
fplines=$(grep -h '^flightprof: ' "$Q/out" "$Q/err" | sed -E 's/[0-9]{3,}/N/g' | sort | uniq -c | sort -rn || true)
[ -z "$fplines" ] || { echo "== python: flightprof's messages in the profiled run (counted):"; echo "$fplines" | head -n 12; }

echo "== python: seconds per module (sum of its test cases), plain / profiled:"
join -a1 -a2 -e - -o 0,1.2,2.2 <($RR times "$P/out" "$base_junit") \
    <($RR times "$Q/out" "$FP_TMP/work/py.prof/junit.xml") | awk '{ printf "    %-18s %7s %7s\n", $1, $2, $3 }'

real_check_profiles "CPython regression tests, all collectors" "$Q/x"
real_finish
