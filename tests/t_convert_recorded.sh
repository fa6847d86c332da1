#!/bin/bash
# `flightprof convert` on real snapshots: conv_mix runs under the recorder
# (with the CPU profiler feeding it samples) and snapshots itself through
# the API; a second run crashes. The Chrome trace must pass the format
# checker and show what the program did; the CPU and allocs profiles must
# open in go tool pprof and attribute to the right functions.
source "$FP_ROOT/tests/lib.sh"
check=$FP_ROOT/tests/check_chrome_trace.py

FLIGHTPROF_SNAPSHOT=$FP_TMP/auto-%n.fr FLIGHTPROF_CPU=$FP_TMP/cpu-direct.pb.gz \
    fp_run "$FP_PROGS/conv_mix" mix.fr || fail "conv_mix failed under the recorder"
[ -s mix.fr ] || fail "no snapshot written"

"$FP_CLI" convert mix.fr -f chrome -o mix.json 2>err.txt || { cat err.txt; fail "convert -f chrome"; }
# sleeper sleeps 20 ms inside region phase-sleep; holder keeps the mutex
# ~10 ms while waiter waits for it; allocator allocates 777777 and 3*4321
# bytes in conv_allocate and logs; the main thread burns CPU in conv_burn.
# Durations in microseconds, with generous upper bounds for slow machines.
expect=(--expect-thread sleeper --expect-thread holder --expect-thread waiter --expect-thread allocator
    --expect-on-thread X:phase-sleep:sleeper --expect-on-thread X:nanosleep:sleeper
    --expect-dur 'nanosleep:19000:2000000' --expect-dur 'phase-sleep:19000:2000000'
    --expect-on-thread i:conv:allocator --expect-arg 'i:conv:message:^quote " backslash'
    --expect-arg 'i:cpu sample:stack:conv_burn \(.*conv_mix.c:[0-9]+\)'
    --expect 'i:thread start:4' --expect 'i:thread exit:4')
# Under the sanitizers their runtime's malloc and mutex come first in the
# preload order, so ours never see allocations or lock waits.
[ -n "$FP_SAN" ] || expect+=(--expect-on-thread 'X:mutex wait:waiter' --expect-dur 'mutex wait:3000:2000000'
    --expect-on-thread i:malloc:allocator --expect-arg 'i:malloc:size:^777777$'
    --expect-arg 'i:malloc:caller:conv_allocate \(.*conv_mix.c:[0-9]+\)'
    --expect-arg 'i:calloc:size:^12963$' --expect i:free:100 --expect 'C:live heap')
python3 "$check" mix.json "${expect[@]}" >/dev/null || fail "chrome trace of conv_mix"
# The phase-sleep region encloses the nanosleep slice on the sleeper thread.
python3 - mix.json <<'PY' || fail "region does not enclose the sleep"
import json, sys
ev = json.load(open(sys.argv[1]))["traceEvents"]
tid = [e["tid"] for e in ev if e["ph"] == "M" and e["args"].get("name") == "sleeper"][0]
region = [e for e in ev if e["ph"] == "X" and e["name"] == "phase-sleep"][0]
sleep = [e for e in ev if e["ph"] == "X" and e["name"] == "nanosleep" and e["tid"] == tid][0]
assert region["tid"] == tid
assert region["ts"] <= sleep["ts"] and sleep["ts"] + sleep["dur"] <= region["ts"] + region["dur"], (region, sleep)
PY

"$FP_CLI" convert mix.fr -f pprof -o cpu.pb.gz || fail "convert -f pprof"
pprof -top cpu.pb.gz >top.txt
grep -q 'Type: cpu' top.txt || fail "not a CPU profile: $(head -5 top.txt)"
[ "$(top_share top.txt conv_burn cum)" -ge 50 ] || fail "conv_burn under half the CPU samples: $(cat top.txt)"
pprof -tags cpu.pb.gz | grep 'thread:' >/dev/null || fail "no thread labels in the CPU profile"

# The snapshot carries its sampling period (FLIGHTPROF_HZ 100 above,
# FLIGHTPROF_RECORDER_HZ 250 here); --hz overrides it.
period() { pprof -raw "$1" | awk '$1 == "Period:" { print $2 }'; }
[ "$(period cpu.pb.gz)" = 10000000 ] || fail "period $(period cpu.pb.gz), expected 10 ms (100 Hz)"
FLIGHTPROF_SNAPSHOT=$FP_TMP/hz-%n.fr FLIGHTPROF_RECORDER_HZ=250 \
    fp_run "$FP_PROGS/conv_mix" hz.fr || fail "conv_mix failed with FLIGHTPROF_RECORDER_HZ"
"$FP_CLI" convert hz.fr -f pprof -o hz.pb.gz || fail "convert -f pprof (250 Hz)"
[ "$(period hz.pb.gz)" = 4000000 ] || fail "period $(period hz.pb.gz), expected 4 ms (250 Hz)"
"$FP_CLI" convert hz.fr -f pprof --hz 100 -o hz100.pb.gz || fail "convert -f pprof --hz 100"
[ "$(period hz100.pb.gz)" = 10000000 ] || fail "--hz 100 gave period $(period hz100.pb.gz)"
"$FP_CLI" dump hz.fr >hz-dump.txt || fail "dump hz.fr"
grep -q "^cpu: *one sample per 4 ms" hz-dump.txt || fail "dump does not show the period: $(head -12 hz-dump.txt)"

# Threads' stacks end in start_thread and clone, as the library's own
# profiles show them: flightprof's thread trampoline is left out.
FLIGHTPROF_SNAPSHOT=$FP_TMP/threads.fr FLIGHTPROF_SNAPSHOT_ON=exit FLIGHTPROF_RECORDER_HZ=250 \
    fp_run "$FP_PROGS/cpu_threads" 2 1 "$FP_TMP/threads.report" || fail "cpu_threads under the recorder"
"$FP_CLI" convert threads.fr -f pprof -o threads.pb.gz || fail "convert -f pprof (threads)"
pprof -traces threads.pb.gz >threads.txt
grep -q start_thread threads.txt || fail "no start_thread in the threads' stacks"
! grep -q thread_begins threads.txt || fail "flightprof's trampoline in the converted stacks"
"$FP_CLI" convert threads.fr -f chrome -o threads.json || fail "convert -f chrome (threads)"
grep -q start_thread threads.json && ! grep -q thread_begins threads.json ||
    fail "the chrome trace's stacks: trampoline present or start_thread missing"

if [ -z "$FP_SAN" ]; then
"$FP_CLI" convert mix.fr -f allocs -o allocs.pb.gz || fail "convert -f allocs"
pprof -top -unit=B allocs.pb.gz >atop.txt
grep -q 'Type: alloc_space' atop.txt || fail "allocs default sample type: $(head -5 atop.txt)"
# 777777 + 12963 + 100 * 12345 bytes from conv_allocate.
bytes=$(awk '$NF == "conv_allocate" { v = $1; sub("B", "", v); print v + 0 }' atop.txt)
[ "${bytes:-0}" -ge 2025240 ] || fail "conv_allocate allocated ${bytes:-0}B: $(cat atop.txt)"
objects=$(pprof -top -sample_index=alloc_objects allocs.pb.gz | awk '$NF == "conv_allocate" { print $1 + 0 }')
[ "${objects:-0}" -ge 102 ] || fail "conv_allocate made ${objects:-0} allocations"
fi

# A crash: the trace has the crash with its stack and the signal. (Not
# under the sanitizers: their own SIGSEGV handler reports and exits 1.)
if [ -n "$FP_SAN" ]; then
    echo "crash part skipped under the sanitizers"
    exit 0
fi
set +e
FLIGHTPROF_SNAPSHOT=$FP_TMP/crash-%n.fr fp_run "$FP_PROGS/conv_mix" unused.fr crash 2>crash.err
rc=$?
set -e
[ "$rc" -eq 139 ] || fail "crash run exited $rc"
[ -s crash-1.fr ] || fail "no crash snapshot: $(cat crash.err)"
"$FP_CLI" convert crash-1.fr -f chrome -o crash.json || fail "convert the crash snapshot"
python3 "$check" crash.json --expect i:SIGSEGV --expect-arg 'i:crash:fault_addr:^0x10$' \
    --expect-arg 'i:crash:stack:^conv_crash \(.*conv_mix.c:[0-9]+\)\nmain ' >/dev/null ||
    fail "crash in the chrome trace"
echo ok
