#!/bin/bash
# Runs every test in its own process with a timeout and prints
# "N passed, N failed". Tests are the unit binaries in $BUILD/unit/ and the
# scripts tests/t_*.sh; arguments, if given, are substrings that select tests.
#
# Each test gets a fresh scratch directory in $FP_TMP and these variables:
#   FP_LIB     the library to preload      FP_CLI    the flightprof CLI
#   FP_PROGS   directory of test programs  FP_PRELOAD  what to put in LD_PRELOAD
#   FP_SAN     non-empty in sanitizer builds
#   FP_PPROFCHECK  google/pprof's parser and CheckValid (tests/pprofcheck)
# and FLIGHTPROF_SYMCACHE, a symbol cache shared by the run's tests.
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${BUILD:-build}
export FP_LIB=$ROOT/$BUILD/libflightprof.so FP_CLI=$ROOT/$BUILD/flightprof
export FP_PROGS=$ROOT/$BUILD/progs FP_SAN=${SAN:-} FP_ROOT=$ROOT
export FP_PPROFCHECK=$ROOT/$BUILD/pprofcheck
if [ -n "$FP_SAN" ]; then
    # The sanitizer runtime must come first in the preload list.
    export FP_PRELOAD="$(gcc -print-file-name=libasan.so):$FP_LIB"
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=0}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
else
    export FP_PRELOAD=$FP_LIB
fi
TIMEOUT=${TEST_TIMEOUT:-300}

tests=()
for t in "$BUILD"/unit/* tests/t_*.sh; do
    [ -e "$t" ] || continue
    if [ $# -gt 0 ]; then
        keep=
        for pat in "$@"; do case "$t" in *"$pat"*) keep=1;; esac; done
        [ -n "$keep" ] || continue
    fi
    tests+=("$t")
done

passed=0 failed=0 failures=()
scratch=$(mktemp -d "${TMPDIR:-/tmp}/flightprof-tests.XXXXXX")
# One symbol cache for the run: early tests fill it, later ones read it,
# and nothing outside the scratch directory is touched.
export FLIGHTPROF_SYMCACHE=$scratch/symcache
for t in "${tests[@]}"; do
    name=$(basename "$t" .sh)
    export FP_TMP="$scratch/$name"
    mkdir -p "$FP_TMP"
    start=$(date +%s%N)
    timeout -k 10 "$TIMEOUT" "$t" >"$FP_TMP/log" 2>&1 </dev/null
    rc=$?
    ms=$((($(date +%s%N) - start) / 1000000))
    secs=$((ms / 1000)).$((ms % 1000 / 100))
    if [ $rc -eq 0 ]; then
        passed=$((passed + 1))
        echo "PASS $name (${secs}s)"
    else
        failed=$((failed + 1))
        failures+=("$name")
        [ $rc -eq 124 ] && echo "TIMEOUT after ${TIMEOUT}s" >>"$FP_TMP/log"
        echo "FAIL $name (exit $rc, ${secs}s); last lines of $FP_TMP/log:"
        tail -n 25 "$FP_TMP/log" | sed 's/^/    /'
    fi
done
[ $failed -eq 0 ] && rm -rf "$scratch"
[ $failed -gt 0 ] && echo "failed: ${failures[*]}"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
