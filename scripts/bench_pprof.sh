#!/bin/sh
# Time and size to write a CPU profile of 10,000 distinct 40-frame stacks
# whose frames are 5,000 real code addresses (this program and its
# libraries, DWARF from /usr/lib/debug where installed), symbolized as at
# exit, against the same profile written unsymbolized. Target: < 1 s.
# Usage: scripts/bench_pprof.sh [STACKS [DEPTH [ADDRESSES]]]  (BUILD=build)
set -e
BUILD=${BUILD:-build}
make -s BUILD="$BUILD" "$BUILD/bench/bench_pprof" >/dev/null
dir=$(mktemp -d "${TMPDIR:-/tmp}/bench-pprof.XXXXXX")
trap 'rm -rf "$dir"' EXIT
"$BUILD/bench/bench_pprof" "$dir" "${1:-10000}" "${2:-40}" "${3:-5000}"
