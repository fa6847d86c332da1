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
