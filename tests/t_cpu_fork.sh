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
# always writes its profile, empty or not.
mkdir -p "$FP_TMP/short"
FLIGHTPROF_CPU=$FP_TMP/short/cpu.pb.gz fp_run bash -c 'for i in 1 2 3 4 5; do /bin/true; (:); done'
[ -f "$FP_TMP/short/cpu.pb.gz" ] || fail "the first process wrote no profile"
extra=$(ls "$FP_TMP/short" | grep -vc '^cpu.pb.gz$' || true)
[ "$extra" = 0 ] || fail "never-sampled descendants wrote $extra profiles: $(ls "$FP_TMP/short")"
pprof -raw "$FP_TMP/short/cpu.pb.gz" >/dev/null
