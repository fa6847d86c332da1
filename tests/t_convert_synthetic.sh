#!/bin/bash
# `flightprof convert` on a synthetic snapshot with every event kind and the
# edge cases (tests/fuzz/gen_snapshot.py), symbolized offline against the
# real conv_mix binary: every output is checked for what must be in it.
source "$FP_ROOT/tests/lib.sh"
gen=$FP_ROOT/tests/fuzz/gen_snapshot.py
check=$FP_ROOT/tests/check_chrome_trace.py
exe=$FP_PROGS/conv_mix

python3 "$gen" snap.fr --exe "$exe"
"$FP_CLI" convert snap.fr -f chrome -o trace.json 2>err.txt || { cat err.txt; fail "convert -f chrome failed"; }
[ ! -s err.txt ] || { cat err.txt; fail "convert -f chrome printed diagnostics"; }
# Durations in microseconds: the waits last 4 ms and 5 ms; the region
# "inner" 6 ms; "outer" stays open to the end of the window.
python3 "$check" trace.json \
    --expect-thread main --expect-thread 'worker "q"' --expect-thread 'tid 102' \
    --expect-dur 'nanosleep:4000:4000' --expect-dur 'mutex wait:5000:5000' \
    --expect-dur 'inner:6000:6000' --expect-on-thread X:outer:main \
    --expect-arg 'X:outer:end:after' --expect-arg 'X:region \(begun before the window\):begin:before' \
    --expect-arg 'X:pthread_cond_wait:wait_ns:^50000000$' --expect X:pthread_join \
    --expect-arg 'i:malloc:size:^777777$' --expect-arg 'i:realloc:new_ptr:^0xa000$' \
    --expect i:free:2 --expect i:mmap --expect i:munmap --expect 'i:thread start' --expect 'i:thread exit' \
    --expect i:fork --expect i:exec --expect i:exit --expect i:SIGSEGV \
    --expect-arg 'i:crash:fault_addr:^0xdead$' --expect-arg 'i:crash:stack:^conv_burn \(.*conv_mix.c:[0-9]+\)\nmain ' \
    --expect-arg 'i:cpu sample:stack:^conv_burn \(.*conv_mix.c:[0-9]+\)\nmain \(.*conv_mix.c:[0-9]+\)$' \
    --expect 'i:cpu sample:2' --expect-arg 'i:malloc:caller:^main \(.*conv_mix.c:[0-9]+\)$' \
    --expect-on-thread 'i:cat\\egory:worker "q"' \
    --expect C:'live heap':4 >/dev/null || fail "chrome trace content"

# Strings JSON must escape, and invalid UTF-8 replaced (python decodes the
# escapes; compare the decoded message).
python3 - trace.json <<'PY' || fail "log message not escaped correctly"
import json, sys
events = json.load(open(sys.argv[1]))["traceEvents"]
msg = [e for e in events if e.get("cat") == "log"][0]["args"]["message"]
want = 'quote " nl \n ctrl \x01 bad \ufffd utf8 \u00e9'
assert msg == want, (msg, want)
PY
# Times: ns precision in microseconds, rebased to the first event (t=1000 ns
# after the generator's base): the mutex wait ends 20 ms after base.
python3 - trace.json <<'PY' || fail "timestamps not rebased with ns precision"
import json, sys
raw = open(sys.argv[1]).read()
assert '"ts":14999.000,"dur":5000.000' in raw, "mutex wait slice"
assert '"ts":94999.100' in raw, "exit instant 100 ns after the signal"
live = [e["args"]["bytes"] for e in json.loads(raw)["traceEvents"] if e["ph"] == "C"]
assert live == [777777, 800000, 804096, 800000, 0], live
PY

"$FP_CLI" convert snap.fr -f pprof -o cpu.pb.gz || fail "convert -f pprof failed"
pprof -raw cpu.pb.gz >raw.txt
grep -q 'Period: 10000000' raw.txt || fail "CPU period is not 1e9/100"
grep -q 'samples/count cpu/nanoseconds' raw.txt || fail "CPU sample types"
grep -q 'PeriodType: cpu nanoseconds' raw.txt || fail "CPU period type"
pprof -traces cpu.pb.gz >traces.txt
grep -q 'thread:  main' traces.txt || fail "thread label missing: $(cat traces.txt)"
pprof -top cpu.pb.gz | grep ' conv_burn$' >/dev/null || fail "conv_burn not in the CPU profile"
"$FP_CLI" convert snap.fr -f pprof --hz 250 -o cpu250.pb.gz
pprof -raw cpu250.pb.gz | grep 'Period: 4000000' >/dev/null || fail "--hz 250 not applied"

"$FP_CLI" convert snap.fr -f allocs -o allocs.pb.gz || fail "convert -f allocs failed"
pprof -top allocs.pb.gz >top.txt
grep -q 'Type: alloc_space' top.txt || fail "allocs default sample type: $(head -5 top.txt)"
pprof -raw allocs.pb.gz | grep 'alloc_objects/count alloc_space/bytes' >/dev/null || fail "allocs sample types"
# main allocated 777777 (malloc) + 800000 (realloc) bytes in 2 objects.
pprof -top -unit=B -sample_index=alloc_space allocs.pb.gz | grep -E ' 1577777B .* main$' >/dev/null ||
    fail "alloc_space by caller: $(pprof -top -unit=B -sample_index=alloc_space allocs.pb.gz)"
pprof -top -sample_index=alloc_objects allocs.pb.gz | grep -E '^ +2 .* main$' >/dev/null || fail "alloc_objects by caller"
pprof -tags allocs.pb.gz | grep 'realloc' >/dev/null || fail "kind label"

# A build-id that does not match the binary: reported, and no names.
sed "s/$(readelf -n "$exe" | sed -n 's/.*Build ID: //p')/0123456789abcdef0123456789abcdef01234567/" snap.fr >bad.fr
cmp -s snap.fr bad.fr && fail "could not change the build-id"
"$FP_CLI" convert bad.fr -f chrome -o bad.json 2>err.txt || fail "convert with a mismatched build-id failed"
grep -qi 'build-id' err.txt || fail "build-id mismatch not reported: $(cat err.txt)"
grep -q conv_burn bad.json && fail "symbolized despite a build-id mismatch"

# Usage errors and bad files: one line, non-zero status, no output file.
for args in "snap.fr -f svg -o x" "snap.fr -o x" "snap.fr -f chrome" "missing.fr -f chrome -o x" \
            "snap.fr -f pprof --hz 0 -o x"; do
    set +e
    "$FP_CLI" convert $args 2>err.txt
    rc=$?
    set -e
    [ "$rc" -ne 0 ] || fail "convert $args succeeded"
    [ "$(wc -l <err.txt)" -eq 1 ] && grep -q '^flightprof: ' err.txt || fail "convert $args: $(cat err.txt)"
    [ ! -e x ] || fail "convert $args left an output file"
done
echo ok
