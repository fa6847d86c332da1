#!/bin/bash
# FLIGHTPROF_PERIOD=1s: a 3.5 s program writes a file per second and its
# last partial second, named by %n (or with ".N" appended), each a valid
# profile of about a second, consecutive in time, whose samples add up to
# what a single-file run of the same program counts; no unnumbered file
# is written. The program's output and exit status do not change.
source "$FP_ROOT/tests/lib.sh"

prog=$FP_PROGS/cpu_spin2
FLIGHTPROF_PERIOD=1s FLIGHTPROF_CPU=$FP_TMP/cpu.pb.gz FLIGHTPROF_MUTEX=$FP_TMP/mutex-%n.pb.gz \
    same_behaviour "$prog" 1 3.5 "$FP_TMP/report"
FLIGHTPROF_CPU=$FP_TMP/single.pb.gz fp_run "$prog" 1 3.5 "$FP_TMP/report.single"

[ ! -e cpu.pb.gz ] || fail "an unnumbered CPU profile was written too"
n=$(ls cpu.pb.gz.* | wc -l)
[ "$n" -ge 4 ] || fail "$n CPU files for 3.5 s at 1 s periods: $(ls)"
[ -e mutex-1.pb.gz ] && [ -e "mutex-$n.pb.gz" ] || fail "the %n pattern was not expanded: $(ls)"
sum=0 prev_end=0
for i in $(seq "$n"); do
    f=cpu.pb.gz.$i
    "$FP_PPROFCHECK" "$f" >"$f.facts" || fail "$f is not a valid profile"
    "$FP_PPROFCHECK" "mutex-$i.pb.gz" >/dev/null || fail "mutex-$i.pb.gz is not a valid profile"
    d=$(awk '$1 == "duration_nanos" { print $2 }' "$f.facts")
    t=$(awk '$1 == "time_nanos" { print $2 }' "$f.facts")
    [ "$i" = "$n" ] || assert_between "$((d / 1000000))" 900 1600 "period $i duration (ms)"
    [ "$prev_end" = 0 ] || assert_between "$(( (t - prev_end) / 1000000 ))" -5 100 "gap before period $i (ms)"
    prev_end=$((t + d))
    sum=$((sum + $(awk '$1 == "total" && $2 == "samples" { print $3 }' "$f.facts")))
done
[ ! -e "cpu.pb.gz.$((n + 1))" ] || fail "more files than periods"
"$FP_PPROFCHECK" single.pb.gz >single.facts || fail "the single-file profile is not valid"
single=$(awk '$1 == "total" && $2 == "samples" { print $3 }' single.facts)
# Both runs burn 3.5 s of CPU, counted in 10 ms periods of thread CPU time.
assert_between "$((sum * 100 / single))" 80 120 "periods' samples ($sum) as % of a single run's ($single)"
