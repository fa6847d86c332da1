# Sourced by the real-program tests (tests/t_real_*.sh), after lib.sh.
#
# A real program is run plain and with every collector on, and the two runs
# are compared. The collectors ("all"):
#   LD_PRELOAD=$FP_PRELOAD FLIGHTPROF_CPU=D/cpu.pb.gz FLIGHTPROF_HZ=1000
#   FLIGHTPROF_HEAP=D/heap.pb.gz FLIGHTPROF_MUTEX=D/mutex.pb.gz
#   FLIGHTPROF_SNAPSHOT=D/fr-%p-%n.fr
# with D a fresh directory per run (mode 1777, like /tmp, for children that
# change user, as some of CPython's tests do; but run.sh's scratch directory
# is private to root, so theirs still cannot be written: flightprof says so
# on their stderr and carries on, as documented).
#
# Failures are collected, not fatal: every part of a test runs and reports,
# and real_finish exits 1 if any failed. Each message names the program,
# the collector set and what differed.
#
# Every run is wrapped in `timeout`; a run still going after its limit is
# reported as hung, with the state of each of its threads, and killed.
# Processes a run leaves behind are found by a marker in their environment
# (FP_REAL_MARK), reported and killed by pid.

source "$FP_ROOT/tests/lib.sh"

REAL_FAILS=()
REAL_TIMES=()
REAL_SEQ=0
# The libasan runtime alone, for baselines under the sanitizers.
REAL_ASAN=
[ -n "${FP_SAN:-}" ] && REAL_ASAN=${FP_PRELOAD%%:*}

real_fail() { # MESSAGE (may span lines)
    REAL_FAILS+=("$1")
    printf 'FAIL: %s\n' "$1" >&2
}

# Exits the test: 1, listing the failures, if there were any.
real_finish() {
    echo
    echo "== wall times"
    printf '  %s\n' "${REAL_TIMES[@]}"
    if [ ${#REAL_FAILS[@]} -gt 0 ]; then
        echo
        echo "== ${#REAL_FAILS[@]} failure(s):"
        local f
        for f in "${REAL_FAILS[@]}"; do printf -- '- %s\n' "$f" | sed '2,$s/^/    /'; done
        exit 1
    fi
    echo "all real-program checks passed"
    exit 0
}

# The environment of a profiled run writing into directory $1.
real_prof_env() { # DIR
    printf '%s\n' "LD_PRELOAD=$FP_PRELOAD" "FLIGHTPROF_CPU=$1/cpu.pb.gz" "FLIGHTPROF_HZ=1000" \
        "FLIGHTPROF_HEAP=$1/heap.pb.gz" "FLIGHTPROF_MUTEX=$1/mutex.pb.gz" \
        "FLIGHTPROF_SNAPSHOT=$1/fr-%p-%n.fr"
}

# Pids of live processes whose environment holds FP_REAL_MARK=$1.
real_marked_pids() { # MARK
    local e pid
    for e in $(grep -lzxF "FP_REAL_MARK=$1" /proc/[0-9]*/environ 2>/dev/null); do
        pid=${e#/proc/}
        pid=${pid%/environ}
        [ "$pid" = $$ ] || [ "$pid" = "$BASHPID" ] && continue
        # zombies are dead already: their parent is the one to blame
        [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = Z ] || echo "$pid"
    done
}

# One line per process and thread: where each one is.
real_describe_pids() { # PID...
    local pid t
    for pid in "$@"; do
        [ -d "/proc/$pid" ] || continue
        printf 'pid %s: %s\n' "$pid" "$(tr '\0\n' '  ' <"/proc/$pid/cmdline" 2>/dev/null | tr -s ' ' | cut -c1-160)"
        for t in /proc/"$pid"/task/*; do
            printf '    tid %s %-16s state %s wchan %s\n' "${t##*/}" "$(cat "$t/comm" 2>/dev/null)" \
                "$(awk '{print $3}' "$t/stat" 2>/dev/null)" "$(cat "$t/wchan" 2>/dev/null)"
        done 2>/dev/null | head -n 12
    done
}

# Backtraces of every thread of (up to 3 of) the given processes, by gdb.
real_backtraces() { # PID...
    command -v gdb >/dev/null || return 0
    local pid
    for pid in $(printf '%s\n' "$@" | head -n 3); do
        echo "-- pid $pid"
        timeout 30 gdb -p "$pid" -batch -nx -ex 'set pagination off' -ex 'thread apply all bt 15' 2>&1 |
            grep -E '^(Thread|#)' | cut -c1-200 | head -n 80 || true
    done
}

# Kills the processes left with marker $1, by pid; prints them first.
real_reap() { # MARK
    local pids i
    # A test may orphan a short child (a `sleep 3` that its test case
    # abandons): one that ends on its own within 10 s is not kept alive by
    # anyone. What flightprof could keep alive never ends.
    for ((i = 0; i < 50; i++)); do
        pids=$(real_marked_pids "$1")
        [ -n "$pids" ] || return 0
        sleep 0.2
    done
    real_describe_pids $pids
    kill -TERM $pids 2>/dev/null || true
    sleep 0.5
    pids=$(real_marked_pids "$1")
    [ -n "$pids" ] && kill -KILL $pids 2>/dev/null
    return 1
}

# Starts CMD (plain or with all collectors) in the background, stdin from
# /dev/null unless REAL_STDIN names a file, in directory REAL_CWD (default:
# the current one); real_wait NAME waits for it (real_run does both). Leaves in $FP_TMP/runs/NAME: out,
# err, rc (a number, or "hung"), ms, and x/ (the profiles); sets REAL_DIR to
# that directory. KIND is plain, prof (all collectors), or asan (the
# sanitizer runtime alone, a baseline under FP_SAN). With REAL_INNER set,
# CMD itself runs plain and gets the profiled run's settings in
# $REAL_INNER_ENV, for a driver script that profiles only the program it
# drives (`env $REAL_INNER_ENV prog`); empty for plain runs.
declare -A REAL_PID REAL_START REAL_LIMIT REAL_KIND REAL_MARK
real_start() { # KIND NAME SECONDS CMD...
    local kind=$1 name=$2 secs=$3
    shift 3
    local d=$FP_TMP/runs/$name
    rm -rf "$d"
    mkdir -p "$d/x"
    chmod 1777 "$d/x"
    REAL_DIR=$d
    REAL_SEQ=$((REAL_SEQ + 1))
    local mark="$$-$REAL_SEQ-$name" envs=()
    case $kind in
        plain) envs=() ;;
        asan) envs=("LD_PRELOAD=$REAL_ASAN") ;;
        prof) mapfile -t envs < <(real_prof_env "$d/x") ;;
        *) fail "real_start: bad kind $kind" ;;
    esac
    if [ -n "${REAL_INNER:-}" ]; then
        envs=("REAL_INNER_ENV=${envs[*]}")
        [ "$kind" = plain ] && envs=("REAL_INNER_ENV=")
    fi
    REAL_KIND[$name]=$kind REAL_LIMIT[$name]=$secs REAL_MARK[$name]=$mark
    REAL_START[$name]=$(date +%s%N)
    # `timeout` itself runs unprofiled, env puts the library under CMD only;
    # the outer limit is a backstop, real_wait enforces SECONDS.
    (
        cd "${REAL_CWD:-.}" &&
            exec timeout -k 5 "$((secs + 30))" env -u LD_PRELOAD -u FLIGHTPROF_ROOT_PID -u FLIGHTPROF_CPU -u FLIGHTPROF_HEAP \
                -u FLIGHTPROF_MUTEX -u FLIGHTPROF_SNAPSHOT -u FLIGHTPROF_HZ "FP_REAL_MARK=$mark" "${envs[@]}" "$@"
    ) <"${REAL_STDIN:-/dev/null}" >"$d/out" 2>"$d/err" &
    REAL_PID[$name]=$!
}

real_wait() { # NAME
    local name=$1 d=$FP_TMP/runs/$1 rc tpid who left
    local kind=${REAL_KIND[$1]} pid=${REAL_PID[$1]} mark=${REAL_MARK[$1]} secs=${REAL_LIMIT[$1]}
    REAL_DIR=$d
    left=$(((REAL_START[$name] + secs * 1000000000 - $(date +%s%N)) / 1000000))
    [ "$left" -gt 0 ] || left=1
    sleep "$((left / 1000)).$(printf '%03d' $((left % 1000)))" &
    tpid=$!
    set +e
    # (2>/dev/null: bash's own "Segmentation fault  ( cd ... )" notices;
    # the failure messages say it better)
    wait -n -p who "$pid" "$tpid" 2>/dev/null
    rc=$?
    if [ "$who" != "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        # The time limit came first: say where everything is, then kill it.
        local pids
        pids=$(real_marked_pids "$mark")
        {
            echo "$name ($kind): HUNG: still running after ${secs}s; its processes:"
            real_describe_pids $pids
            command -v gdb >/dev/null && echo "(gdb backtraces of the first 3 in the test log)"
        } >"$d/hang"
        real_backtraces $pids >"$d/hang.gdb" 2>&1
        echo "== $name ($kind) hung; backtraces:"
        cat "$d/hang.gdb"
        kill -TERM "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        rc=hung
    elif [ "$who" != "$pid" ]; then
        wait "$pid" 2>/dev/null
        rc=$?
    fi
    kill "$tpid" 2>/dev/null
    wait "$tpid" 2>/dev/null
    set -e
    echo "$rc" >"$d/rc"
    echo $((($(date +%s%N) - REAL_START[$name]) / 1000000)) >"$d/ms"
    REAL_TIMES+=("$(printf '%-36s %-5s %7.1f s' "$name" "$kind" "$(echo "$(cat "$d/ms") / 1000" | bc -l)")")
    if [ "$rc" = hung ]; then
        real_fail "$(cat "$d/hang")
(killed)$([ -s "$d/err" ] && printf '; the last lines of its stderr:\n%s' "$(tail -n 5 "$d/err")")"
    fi
    # Leftovers of a plain run are the program's own doing (a test that
    # orphans a `sleep`, say): noted. Of a profiled run: a failure.
    if ! real_reap "$mark" >"$d/leftover" && [ "$rc" != hung ]; then
        if [ "$kind" = prof ]; then
            real_fail "$name ($kind): exited ($rc) but left processes running (killed):
$(cat "$d/leftover")"
        else
            echo "$name ($kind): NOTE: exited ($rc) but left processes running (killed):"
            sed 's/^/    /' "$d/leftover"
        fi
    fi
    printf '%s (%s): exit %s in %s ms\n' "$name" "$kind" "$rc" "$(cat "$d/ms")"
}

real_run() { # KIND NAME SECONDS CMD...
    real_start "$@"
    real_wait "$2"
}

# An exit status as a number, with the signal it means (a shell or
# `timeout` reports a death by signal N as 128+N).
real_status() { # RC_FILE
    local rc
    rc=$(cat "$1")
    if [[ $rc =~ ^[0-9]+$ ]] && [ "$rc" -gt 128 ] && [ "$rc" -lt 160 ]; then
        echo "$rc (SIG$(kill -l $((rc - 128))))"
    else
        echo "$rc"
    fi
}

# The crash stacks recorded in the crash snapshots in DIR, if any.
real_crash_stacks() { # DIR
    local f
    for f in "$1"/fr-*.fr; do
        [ -f "$f" ] || continue
        "$FP_CLI" dump "$f" 2>/dev/null | awk -v f="$(basename "$f")" '
            /^trigger: *crash/ { print "\n" f ": " $0; next }
            /^crash stack/ { inside = 1; print; next }
            inside && /^ +#/ { if (++n <= 16) print; next }
            { inside = 0 }' | head -n 40
    done
}

# A short unified diff of two files, labelled.
real_diff() { # A B LABEL_A LABEL_B
    diff -u --label "$3" --label "$4" "$1" "$2" | head -n "${REAL_DIFF_LINES:-30}"
}

# stderr without flightprof's own lines.
real_strip_fp() { grep -v '^flightprof: ' "$1" || true; }

# Compares two runs made with real_run: exit status, stdout and stderr
# (without flightprof: lines), each through the optional normaliser
# NORM (a command reading stdin), after REAL_STDERR_NORM for stderr alone.
# Sets REAL_OK to 1 when they agree, 0 when not (and records the failure,
# or passes its message to REAL_FAIL_FN instead).
real_compare() { # WHAT DIR_A DIR_B LABEL [NORM...]
    local what=$1 a=$2 b=$3 label=$4
    shift 4
    local norm=("${@:-cat}") ok=0 f
    [ $# -gt 0 ] || norm=(cat)
    if [ "$(cat "$a/rc")" != "$(cat "$b/rc")" ]; then
        "${REAL_FAIL_FN:-real_fail}" "$what, $label: exit status $(real_status "$b/rc"), $(real_status "$a/rc") without
$(tail -n 8 "$b/err")$(real_crash_stacks "$b/x")"
        ok=1
    fi
    "${norm[@]}" <"$a/out" >"$a/out.n"
    "${norm[@]}" <"$b/out" >"$b/out.n"
    if ! cmp -s "$a/out.n" "$b/out.n"; then
        "${REAL_FAIL_FN:-real_fail}" "$what, $label: stdout differs
$(real_diff "$a/out.n" "$b/out.n" "$(basename "$a")/stdout" "$(basename "$b")/stdout")"
        ok=1
    fi
    for f in "$a" "$b"; do
        real_strip_fp "$f/err" | "${REAL_STDERR_NORM:-cat}" | "${norm[@]}" >"$f/err.n"
    done
    if ! cmp -s "$a/err.n" "$b/err.n"; then
        "${REAL_FAIL_FN:-real_fail}" "$what, $label: stderr differs (flightprof: lines removed)
$(real_diff "$a/err.n" "$b/err.n" "$(basename "$a")/stderr" "$(basename "$b")/stderr")"
        ok=1
    fi
    REAL_OK=$((1 - ok))
}

# The two plain runs of a program must agree raw (no normaliser needed) or,
# where the test gives one, differ raw and agree normalised: the proof that
# the normaliser is needed and suffices.
real_check_plain_pair() { # WHAT DIR_A DIR_B [NORM...]
    local what=$1 a=$2 b=$3
    shift 3
    local raw_same=1
    cmp -s "$a/out" "$b/out" && cmp -s "$a/err" "$b/err" || raw_same=0
    if [ $# -eq 0 ]; then
        [ $raw_same = 1 ] && { echo "$what: two plain runs are identical"; return 0; }
        real_compare "$what (oracle)" "$a" "$b" "two plain runs"
        real_fail "$what: two plain runs differ; the comparison needs a normaliser (test bug)"
        return 0
    fi
    real_compare "$what (oracle)" "$a" "$b" "two plain runs, normalised" "$@"
    if [ "$REAL_OK" = 1 ]; then
        if [ $raw_same = 1 ]; then
            echo "$what: NOTE: the two plain runs were identical even before normalisation this time"
        else
            echo "$what: the two plain runs differ raw (so the normaliser is needed):"
            { diff "$a/out" "$b/out"; diff "$a/err" "$b/err"; } | grep '^[<>]' | head -n 4 | sed 's/^/    /' || true
        fi
    else
        real_fail "$what: two plain runs differ even normalised: the oracle is unstable (test bug)"
    fi
}

# Every profile in DIR must open with `go tool pprof -raw` with nothing on
# stderr, every snapshot must be readable by `flightprof dump`, and no
# temporary file may be left. The first process's three profiles must
# exist unless REAL_NO_ROOT_PROFILES is set. Files are opened in batches
# (pprof merges them), and one by one only when a batch complains, to find
# the culprit.
real_check_profiles() { # WHAT DIR
    local what=$1 dir=$2 kind files f bad=0 n=0 nfr=0
    if [ -z "${REAL_NO_ROOT_PROFILES:-}" ]; then
        for kind in cpu heap mutex; do
            [ -f "$dir/$kind.pb.gz" ] || { real_fail "$what: no $kind profile of the first process in $dir: $(ls "$dir" | head -n 5 | tr '\n' ' ')"; bad=1; }
        done
    fi
    for kind in cpu heap mutex; do
        mapfile -t files < <(find "$dir" -maxdepth 1 -name "$kind.pb.gz*" ! -name '*.tmp*' | sort)
        [ ${#files[@]} -gt 0 ] || continue
        n=$((n + ${#files[@]}))
        local i
        local i culprit
        for ((i = 0; i < ${#files[@]}; i += 64)); do
            local batch=("${files[@]:i:64}")
            if go tool pprof -raw "${batch[@]}" >/dev/null 2>"$dir/../raw.err" && [ ! -s "$dir/../raw.err" ]; then
                continue
            fi
            cp "$dir/../raw.err" "$dir/../batch.err"
            culprit=
            for f in "${batch[@]}"; do
                if ! go tool pprof -raw "$f" >/dev/null 2>"$dir/../raw.err" || [ -s "$dir/../raw.err" ]; then
                    real_fail "$what: go tool pprof -raw $(basename "$f") complains:
$(head -n 5 "$dir/../raw.err")"
                    bad=1 culprit=1
                fi
            done
            [ -n "$culprit" ] || {
                real_fail "$what: go tool pprof -raw on ${#batch[@]} $kind profiles together complains (each alone is fine):
$(head -n 5 "$dir/../batch.err")"
                bad=1
            }
        done
    done
    mapfile -t files < <(find "$dir" -maxdepth 1 -name 'fr-*.fr' | sort)
    for f in "${files[@]}"; do
        nfr=$((nfr + 1))
        "$FP_CLI" dump "$f" >/dev/null 2>"$dir/../dump.err" || {
            real_fail "$what: flightprof dump $(basename "$f") fails: $(head -n 3 "$dir/../dump.err")"
            bad=1
        }
    done
    mapfile -t files < <(find "$dir" -maxdepth 1 -name '*.tmp*' | sort)
    if [ ${#files[@]} -gt 0 ]; then
        real_fail "$what: temporary files left behind: $(basename -a "${files[@]}" | head -n 5 | tr '\n' ' ')"
        bad=1
    fi
    echo "$what: $n profiles and $nfr snapshots checked$([ $bad = 0 ] || echo ', with failures')"
}
