#!/bin/bash
# flightprof leaves the program's environment and stderr as they were:
# (1) no variable of its own appears in a profiled process's environment
# or its children's; (2) a crash snapshot is written without a word on a
# stderr that is not a terminal (the program's stderr is byte for byte
# what it is without flightprof), the line goes to FLIGHTPROF_LOG when set
# (%p expanded) and to a terminal; configuration errors still get their
# line on stderr, and in the log file too; (3) without the variable that
# used to mark the root process, fork and exec naming still holds: the
# first process writes PATTERN, a fork child or an exec'd descendant
# PATTERN.PID, a program with a pattern of its own writes it as given,
# and an ancestor's discovery file counts only with its start time.
source "$FP_ROOT/tests/lib.sh"

# This test's discovery files stay in its scratch directory.
export XDG_RUNTIME_DIR=$FP_TMP/run
mkdir -m 700 "$XDG_RUNTIME_DIR"
disc=$XDG_RUNTIME_DIR/flightprof

# (1) The environment. `env` runs in a fork child of a profiled shell (an
# exec'd descendant) and, in the second case, is itself the first process.
mkdir -p "$FP_TMP/env"
bash -c 'env; true' | sort >"$FP_TMP/env/plain"
LD_PRELOAD=$FP_PRELOAD FLIGHTPROF_CPU=$FP_TMP/env/cpu.pb.gz FLIGHTPROF_SNAPSHOT=$FP_TMP/env/fr-%p.fr \
    bash -c 'env; true' | sort >"$FP_TMP/env/with"
LD_PRELOAD=$FP_PRELOAD FLIGHTPROF_CPU=$FP_TMP/env/root.pb.gz bash -c 'exec env' | sort >"$FP_TMP/env/root"
bash -c 'exec env' | sort >"$FP_TMP/env/root-plain"
ours='^(LD_PRELOAD|FLIGHTPROF_CPU|FLIGHTPROF_SNAPSHOT)='
grep -q '^FLIGHTPROF_CPU=' "$FP_TMP/env/with" || fail "the profiled shell's child did not run with the variables"
for v in with root; do
    plain=plain
    [ $v = root ] && plain=root-plain
    grep -Ev "$ours" "$FP_TMP/env/$v" >"$FP_TMP/env/$v.rest" || true
    if ! cmp -s "$FP_TMP/env/$plain" "$FP_TMP/env/$v.rest"; then
        diff "$FP_TMP/env/$plain" "$FP_TMP/env/$v.rest" || true
        fail "$v: the environment differs with flightprof beyond the variables this test set"
    fi
done
grep -q ROOT_PID "$FP_TMP/env/with" "$FP_TMP/env/root" && fail "FLIGHTPROF_ROOT_PID is still set"

# (2) stderr. The crash tests need flightprof's handler for SIGSEGV.
if [ -n "$FP_SAN" ]; then
    echo "(2) skipped: the sanitizer runtime owns the fatal signals"
else
    ulimit -c 0
    mkdir -p "$FP_TMP/segv"
    # Directly, not through fp_run or a function: bash reports the signal
    # on its own stderr, which is then not the file the program writes.
    set +e
    "$FP_PROGS/rel_segv" 2>"$FP_TMP/segv/plain.err"
    plain_rc=$?
    LD_PRELOAD=$FP_PRELOAD FLIGHTPROF_SNAPSHOT="$FP_TMP/segv/quiet-%p.fr" \
        "$FP_PROGS/rel_segv" 2>"$FP_TMP/segv/quiet.err"
    quiet_rc=$?
    LD_PRELOAD=$FP_PRELOAD FLIGHTPROF_SNAPSHOT="$FP_TMP/segv/logged-%p.fr" \
        FLIGHTPROF_LOG="$FP_TMP/segv/log-%p.txt" "$FP_PROGS/rel_segv" 2>"$FP_TMP/segv/logged.err"
    logged_rc=$?
    set -e
    [ "$plain_rc" = 139 ] || fail "rel_segv exited $plain_rc without flightprof, expected 139"
    [ "$quiet_rc" = 139 ] && [ "$logged_rc" = 139 ] ||
        fail "with flightprof rel_segv exited $quiet_rc / $logged_rc, expected 139"
    [ "$(cat "$FP_TMP/segv/plain.err")" = x ] || fail "rel_segv wrote '$(cat "$FP_TMP/segv/plain.err")'"
    for v in quiet logged; do
        cmp "$FP_TMP/segv/plain.err" "$FP_TMP/segv/$v.err" ||
            fail "$v: stderr differs: '$(cat "$FP_TMP/segv/$v.err")'"
    done
    quiet=("$FP_TMP"/segv/quiet-*.fr) logged=("$FP_TMP"/segv/logged-*.fr) logs=("$FP_TMP"/segv/log-*.txt)
    [ ${#quiet[@]} = 1 ] && [ -f "${quiet[0]}" ] || fail "no crash snapshot without FLIGHTPROF_LOG"
    [ ${#logged[@]} = 1 ] && [ -f "${logged[0]}" ] || fail "no crash snapshot with FLIGHTPROF_LOG"
    [ ${#logs[@]} = 1 ] && [ -f "${logs[0]}" ] || fail "no log file (%p expanded): $(ls "$FP_TMP/segv")"
    cat "${logs[0]}"
    lpid=${logs[0]##*/log-}
    lpid=${lpid%.txt}
    [ "${logged[0]}" = "$FP_TMP/segv/logged-$lpid.fr" ] || fail "log file and snapshot name different pids"
    grep -qxF "flightprof: SIGSEGV at 0x10: snapshot written to ${logged[0]}" "${logs[0]}" ||
        fail "the log file lacks the 'snapshot written' line"
    [ "$(wc -l <"${logs[0]}")" = 1 ] || fail "the log file has more than the one line"
    "$FP_CLI" dump "${quiet[0]}" | grep -q '^trigger: *crash: SIGSEGV' || fail "the quiet snapshot is not the crash's"

    # On a terminal the line is shown (script(1) gives the program one).
    if command -v script >/dev/null; then
        LD_PRELOAD=$FP_PRELOAD FLIGHTPROF_SNAPSHOT="$FP_TMP/segv/tty-%p.fr" \
            script -qec "$FP_PROGS/rel_segv" /dev/null >"$FP_TMP/segv/tty.out" 2>&1 </dev/null || true
        cat "$FP_TMP/segv/tty.out"
        grep -q 'flightprof: SIGSEGV at 0x10: snapshot written to' "$FP_TMP/segv/tty.out" ||
            fail "on a terminal the 'snapshot written' line is not shown"
    fi
    # A crashed process cannot remove its discovery file; the CLI sweeps
    # such files (t_rel_snapshot_title), and they are not this test's.
    rm -f "$disc"/*.conf
fi

# Configuration errors keep their line on stderr, and go to the log too.
mkdir -p "$FP_TMP/cfg"
FLIGHTPROF_LOG=$FP_TMP/cfg/log.txt FLIGHTPROF_HZ=0 FLIGHTPROF_CPU=$FP_TMP/cfg/cpu.pb.gz \
    fp_run /bin/true 2>"$FP_TMP/cfg/hz.err"
cat "$FP_TMP/cfg/hz.err"
grep -q '^flightprof: FLIGHTPROF_HZ=0 ' "$FP_TMP/cfg/hz.err" || fail "the bad FLIGHTPROF_HZ is not on stderr"
grep -q '^flightprof: FLIGHTPROF_HZ=0 ' "$FP_TMP/cfg/log.txt" || fail "the bad FLIGHTPROF_HZ is not in the log"
for bad in relative.txt /nonexistent-dir/log.txt; do
    FLIGHTPROF_LOG=$bad FLIGHTPROF_CPU=$FP_TMP/cfg/cpu.pb.gz fp_run /bin/true 2>"$FP_TMP/cfg/bad.err"
    cat "$FP_TMP/cfg/bad.err"
    [ "$(wc -l <"$FP_TMP/cfg/bad.err")" = 1 ] && grep -q "^flightprof: FLIGHTPROF_LOG=$bad" "$FP_TMP/cfg/bad.err" ||
        fail "FLIGHTPROF_LOG=$bad: not exactly one error line"
done
[ ! -e "$FP_TMP/relative.txt" ] || fail "a relative FLIGHTPROF_LOG was used"

# (3) Naming. The parent, a forked child and an exec'd child, as in
# t_cpu_fork, with the exec'd child's name checked too.
mkdir -p "$FP_TMP/fork"
FLIGHTPROF_CPU=$FP_TMP/fork/cpu.pb.gz fp_run "$FP_PROGS/cpu_fork"
ls "$FP_TMP/fork"
[ -f "$FP_TMP/fork/cpu.pb.gz" ] || fail "no parent profile"
children=("$FP_TMP"/fork/cpu.pb.gz.*)
[ "${#children[@]}" = 2 ] || fail "expected 2 child profiles, found ${#children[@]}"
found_fork= found_exec=
for c in "${children[@]}"; do
    pprof -top "$c" >"$FP_TMP/fork/child.top"
    grep -q parent_work "$FP_TMP/fork/child.top" && fail "$c has the parent's samples"
    grep -q forked_child_work "$FP_TMP/fork/child.top" && found_fork=$c
    grep -q execed_work "$FP_TMP/fork/child.top" && found_exec=$c
done
[ -n "$found_fork" ] && [ -n "$found_exec" ] && [ "$found_fork" != "$found_exec" ] ||
    fail "the forked and exec'd children's profiles are not both there"
pprof -top "$FP_TMP/fork/cpu.pb.gz" | grep -q parent_work || fail "parent profile lacks parent_work"

# Programs a profiled shell runs: exec'd from its fork children (two
# levels down, the middle one without a discovery file). They burn CPU,
# since descendants that were never sampled write nothing.
mkdir -p "$FP_TMP/sh"
burn='awk "BEGIN { for (i = 0; i < 3000000; i++) s += i }"'
FLIGHTPROF_CPU=$FP_TMP/sh/cpu.pb.gz fp_run bash -c "$burn; $burn; exit 0"
ls "$FP_TMP/sh"
[ -f "$FP_TMP/sh/cpu.pb.gz" ] || fail "the shell wrote no cpu.pb.gz"
shkids=("$FP_TMP"/sh/cpu.pb.gz.*)
[ "${#shkids[@]}" = 2 ] || fail "expected 2 .PID profiles from the shell's programs, found ${#shkids[@]}"

# A program given a pattern of its own collides with nobody: as given.
mkdir -p "$FP_TMP/own"
FLIGHTPROF_CPU=$FP_TMP/own/sh.pb.gz fp_run bash -c "FLIGHTPROF_CPU=$FP_TMP/own/prog.pb.gz /bin/true; exit 0"
ls "$FP_TMP/own"
[ -f "$FP_TMP/own/sh.pb.gz" ] && [ -f "$FP_TMP/own/prog.pb.gz" ] ||
    fail "a program with its own pattern did not write it as given"

# An ancestor's discovery file counts only if its start time is the live
# process's: a file left for the pid by an earlier process does not make
# the program a descendant, the real one does. The parent shell here is
# not profiled; the file is planted for it. The program burns CPU: a
# descendant that was never sampled writes nothing.
mkdir -p "$FP_TMP/stale" "$disc"
chmod 700 "$disc"
for kind in stale live; do
    LD_PRELOAD= KIND=$kind DISC=$disc OUT=$FP_TMP/stale/$kind.pb.gz PRELOAD=$FP_PRELOAD bash -c '
        start=$(awk "{ sub(/.*\\) /, \"\"); print \$20 }" /proc/$$/stat)
        [ "$KIND" = stale ] && start=1
        printf "pid=%d\nstart_time=%s\ncpu=%s\n" $$ "$start" "$OUT" >"$DISC/$$.conf"
        chmod 600 "$DISC/$$.conf"
        LD_PRELOAD=$PRELOAD FLIGHTPROF_CPU=$OUT awk "BEGIN { for (i = 0; i < 3000000; i++) s += i }"
        rm -f "$DISC/$$.conf"
        exit 0'
done
ls "$FP_TMP/stale"
[ -f "$FP_TMP/stale/stale.pb.gz" ] || fail "a stale ancestor file made the program a descendant"
live=("$FP_TMP"/stale/live.pb.gz.*)
[ ! -e "$FP_TMP/stale/live.pb.gz" ] && [ -f "${live[0]}" ] ||
    fail "a live ancestor's file did not make the program a descendant"
[ -z "$(ls -A "$disc")" ] || fail "discovery files left: $(ls -A "$disc")"
echo OK
