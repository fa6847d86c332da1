#!/bin/bash
# Unmodified system programs: identical output and exit status with and
# without flightprof, and a valid profile whose top functions make sense.
source "$FP_ROOT/tests/lib.sh"

# A deterministic input of a few megabytes.
seq 1 400000 | awk '{ print ($1 * 7919) % 1000003, $1 }' >"$FP_TMP/input"

export FLIGHTPROF_HZ=250

FLIGHTPROF_CPU=$FP_TMP/python.pb.gz same_behaviour /usr/bin/python3 -c '
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)
print(fib(27))'
pprof -top "$FP_TMP/python.pb.gz" >"$FP_TMP/python.top"
head -15 "$FP_TMP/python.top"
grep -qE '_PyEval_EvalFrameDefault|PyObject|_Py' "$FP_TMP/python.top" || fail "python3: no interpreter functions on top"

FLIGHTPROF_CPU=$FP_TMP/xz.pb.gz same_behaviour xz -T2 -1 -c "$FP_TMP/input"
pprof -top "$FP_TMP/xz.pb.gz" >"$FP_TMP/xz.top"
head -15 "$FP_TMP/xz.top"
grep -qi 'lzma' "$FP_TMP/xz.top" || fail "xz: no liblzma functions on top"
[ "$(tag_ms "$FP_TMP/xz.pb.gz" tid | wc -l)" -ge 2 ] || fail "xz -T2: its two worker threads are not both in the profile"

# GNU sort installs a handler for SIGPROF (to remove its temporary files):
# the program wins, flightprof says so, keeps what it sampled before (often
# nothing: sort does that first) and still writes a valid profile.
FLIGHTPROF_CPU=$FP_TMP/sort.pb.gz same_behaviour sort -n "$FP_TMP/input"
grep -q "the program installs its own SIGPROF handler" "$FP_TMP/with.err" ||
    fail "sort: flightprof did not say it stepped aside"
pprof -top "$FP_TMP/sort.pb.gz" >/dev/null
