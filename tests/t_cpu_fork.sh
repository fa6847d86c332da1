#!/bin/bash
# fork and exec: the parent, a forked child and an exec'd child each write
# their own profile with their own functions; none clobbers another.
source "$FP_ROOT/tests/lib.sh"

FLIGHTPROF_CPU=$FP_TMP/cpu.pb.gz fp_run "$FP_PROGS/cpu_fork"
ls -l "$FP_TMP"
[ -f "$FP_TMP/cpu.pb.gz" ] || fail "no parent profile"
children=("$FP_TMP"/cpu.pb.gz.*)
[ "${#children[@]}" = 2 ] || fail "expected 2 child profiles, found ${#children[@]}"

pprof -top "$FP_TMP/cpu.pb.gz" >"$FP_TMP/parent.top"
grep -q parent_work "$FP_TMP/parent.top" || fail "parent profile lacks parent_work"
grep -qE 'forked_child_work|execed_work' "$FP_TMP/parent.top" && fail "parent profile has child work"

found_fork= found_exec=
for c in "${children[@]}"; do
    pprof -top "$c" >"$FP_TMP/child.top"
    grep -q parent_work "$FP_TMP/child.top" && fail "$c has the parent's samples"
    grep -q forked_child_work "$FP_TMP/child.top" && found_fork=$c
    grep -q execed_work "$FP_TMP/child.top" && found_exec=$c
done
[ -n "$found_fork" ] || fail "no profile has forked_child_work"
[ -n "$found_exec" ] || fail "no profile has execed_work"
[ "$found_fork" != "$found_exec" ] || fail "forked and exec'd children share a profile"

# Short descendants that were never sampled write nothing at exit (a shell
# script would otherwise leave a file per command); the first process
# always writes its profile, empty or not. A descendant's first sample
# comes after a random part of one period of its CPU time, so now and then
# one of these ten is sampled: any file a descendant leaves must hold a
# sample, and most of them must leave none.
mkdir -p "$FP_TMP/short"
FLIGHTPROF_CPU=$FP_TMP/short/cpu.pb.gz fp_run bash -c 'for i in 1 2 3 4 5; do /bin/true; (:); done'
[ -f "$FP_TMP/short/cpu.pb.gz" ] || fail "the first process wrote no profile"
pprof -raw "$FP_TMP/short/cpu.pb.gz" >/dev/null
extra=0
for f in "$FP_TMP"/short/cpu.pb.gz.*; do
    [ -e "$f" ] || continue
    extra=$((extra + 1))
    pprof -raw "$f" >"$FP_TMP/short.raw"
    grep -qE '^ +[1-9][0-9]* +[0-9]+: ' "$FP_TMP/short.raw" || fail "never-sampled descendant wrote ${f##*/}"
done
[ "$extra" -lt 5 ] || fail "$extra of 10 short descendants wrote profiles: $(ls "$FP_TMP/short")"
