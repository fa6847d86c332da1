# Sourced by every tests/t_*.sh. tests/run.sh sets FP_LIB, FP_CLI, FP_PROGS,
# FP_PRELOAD, FP_TMP (a fresh directory for this test) and FP_SAN.
set -euo pipefail
cd "$FP_TMP"
export PPROF_TMPDIR=$FP_TMP HOME=${HOME:-$FP_TMP}

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# Runs a command with flightprof preloaded; extra FLIGHTPROF_* settings go
# in the environment of the caller (`FLIGHTPROF_CPU=x fp_run prog`).
fp_run() {
    LD_PRELOAD=$FP_PRELOAD "$@"
}

# Waits up to SECONDS for a file matching FILE_GLOB (a plain path too).
wait_for() { # FILE_GLOB SECONDS
    local i
    for ((i = 0; i < $2 * 20; i++)); do
        compgen -G "$1" >/dev/null && return 0
        sleep 0.05
    done
    fail "timed out waiting for $1"
}

# go tool pprof, failing the test on any warning or error it prints.
pprof() {
    local out
    out=$(go tool pprof "$@" 2>"$FP_TMP/pprof.err") || {
        cat "$FP_TMP/pprof.err" >&2
        fail "go tool pprof $* failed"
    }
    if grep -qiE 'warn|error|unrecognized|failed' "$FP_TMP/pprof.err"; then
        cat "$FP_TMP/pprof.err" >&2
        fail "go tool pprof $* complained"
    fi
    printf '%s\n' "$out"
}

# Percentage share of function NAME in `pprof -top` output (flat%, or cum%
# when the -cum table is given), as an integer.
top_share() { # FILE NAME [flat|cum]
    local col=2
    [ "${3:-flat}" = cum ] && col=5
    awk -v name="$2" -v col="$col" '$6 == name || $6 ~ "^"name"$" { sub("%", "", $col); printf "%d\n", $col + 0.5; found=1; exit } END { if (!found) print -1 }' "$1"
}

# Asserts that integer $1 is within [$2, $3].
assert_between() { # VALUE LO HI WHAT
    [ "$1" -ge "$2" ] && [ "$1" -le "$3" ] || fail "$4: $1 not in [$2, $3]"
}

# Per-value totals of label KEY in milliseconds of CPU, one "VALUE MS" line
# each, from `go tool pprof -tags`.
tag_ms() { # FILE KEY
    pprof -tags -unit=ms -sample_index=cpu "$1" | awk -v key="$2:" '
        $1 == key && $2 == "Total" { inside = 1; next }
        /^ *[A-Za-z_]+: Total/ { inside = 0 }
        inside && /\(/ { v = $1; sub("ms", "", v); print $NF, v + 0 }'
}

# Total CPU milliseconds in a CPU profile.
total_ms() { # FILE
    pprof -tags -unit=ms -sample_index=cpu "$1" | awk '$1 == "thread:" && $2 == "Total" { v = $3; sub("ms", "", v); print int(v + 0.5) }'
}

# Runs a command twice, with and without flightprof, and checks that
# stdout and the exit status are the same. The profiled run's stdout is left
# in $FP_TMP/with.out.
same_behaviour() { # CMD ARGS... (FLIGHTPROF_* from the caller's environment)
    local rc_plain rc_with
    set +e
    env -u FLIGHTPROF_CPU "$@" >"$FP_TMP/plain.out" 2>/dev/null
    rc_plain=$?
    fp_run "$@" >"$FP_TMP/with.out" 2>"$FP_TMP/with.err"
    rc_with=$?
    set -e
    [ "$rc_plain" = "$rc_with" ] || fail "$1: exit status $rc_with with flightprof, $rc_plain without"
    cmp -s "$FP_TMP/plain.out" "$FP_TMP/with.out" || fail "$1: stdout differs with flightprof"
}

# The cumulative value of function NAME for sample type INDEX in
# `go tool pprof -top` over one or more profiles (merged), as an integer in
# UNIT (B for bytes, ns for nanoseconds; ignored for counts); 0 if absent.
pprof_cum() { # INDEX UNIT NAME FILE...
    local index=$1 unit=$2 name=$3
    shift 3
    pprof -top -cum -nodefraction=0 -nodecount=100000 -sample_index="$index" -unit="$unit" "$@" |
        awk -v name="$name" '$6 == name { v = $4; sub(/[a-zA-Z]+$/, "", v); printf "%.0f\n", v; found = 1; exit }
                             END { if (!found) print 0 }'
}
