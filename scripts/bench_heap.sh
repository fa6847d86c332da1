#!/bin/bash
# Heap profile benchmark, run by `make bench`: tests/progs/malloc_bench
# (BENCH_THREADS, default 2, threads x 2M malloc/free pairs of 16..1040
# bytes) with no profiler,
# with the heap profile at the default rate and at rate 1, and under
# heaptrack; runs alternate, medians of BENCH_REPS (default 5). Prints
# wall and CPU seconds with ratios against the unprofiled runs of the same
# invocation, then the steady-state cost on a 10x longer run (where the
# fixed cost of writing the profile at exit, symbolization included,
# matters less) and that fixed cost itself.
#
# The profiled runs share a symbol cache of their own, filled by one run
# before the measured ones, as it is on every run of a program but its
# first; heap_nocache (FLIGHTPROF_SYMCACHE=off) is that first run.
# preload is the library loaded with nothing turned on: the cost of
# interposing malloc and free at all. VM noise only ever adds time, so the
# ratios of the fastest runs are printed beside those of the medians.
set -euo pipefail
BUILD=${BUILD:-build}
LIB=$(realpath "$BUILD/libflightprof.so")
PROG=$(realpath "$BUILD/progs/malloc_bench")
REPS=${BENCH_REPS:-5}
PAIRS=${BENCH_PAIRS:-2000000}
THREADS=${BENCH_THREADS:-2}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/flightprof-bench-heap.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
unset LD_PRELOAD
TIMEFORMAT='%3R %3U %3S'

export FLIGHTPROF_SYMCACHE=$TMP/symcache
configs=(plain preload heap heap_nocache heap_rate1)
command -v heaptrack >/dev/null && configs+=(heaptrack)

# Runs CONFIG once with PAIRS pairs per thread; appends "wall cpu" to
# $TMP/CONFIG-PAIRS.
run() { # CONFIG PAIRS
    local cmd=("$PROG" "$2" "$THREADS") t
    case $1 in
    plain) ;;
    preload) cmd=(env LD_PRELOAD="$LIB" "${cmd[@]}") ;;
    heap) cmd=(env LD_PRELOAD="$LIB" FLIGHTPROF_HEAP="$TMP/heap.pb.gz" "${cmd[@]}") ;;
    heap_nocache) cmd=(env LD_PRELOAD="$LIB" FLIGHTPROF_HEAP="$TMP/heap.pb.gz" FLIGHTPROF_SYMCACHE=off "${cmd[@]}") ;;
    heap_rate1) cmd=(env LD_PRELOAD="$LIB" FLIGHTPROF_HEAP="$TMP/heap1.pb.gz" FLIGHTPROF_HEAP_RATE=1 "${cmd[@]}") ;;
    heaptrack) cmd=(heaptrack -o "$TMP/ht" "${cmd[@]}") ;;
    esac
    t=$( { time "${cmd[@]}" >/dev/null 2>&1; } 2>&1)
    awk '{ printf "%s %.3f\n", $1, $2 + $3 }' <<<"$t" >>"$TMP/$1-$2"
    rm -f "$TMP"/ht*
}

median() { # CONFIG PAIRS COLUMN
    sort -g -k"$3","$3" "$TMP/$1-$2" | awk -v c="$3" '{ v[NR] = $c } END { print v[int((NR + 1) / 2)] }'
}

fastest() { # CONFIG PAIRS COLUMN
    sort -g -k"$3","$3" "$TMP/$1-$2" | awk -v c="$3" 'NR == 1 { print $c }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0) printf "%.2f", a / b; else print "-" }'; }

report() { # PAIRS CONFIG...
    local pairs=$1 c
    shift
    for c in "$@"; do
        printf '  %-12s %10s %8.3f %8.3f %8s %8s %8s %8s\n' "$c" "$pairs" \
            "$(median "$c" "$pairs" 1)" "$(median "$c" "$pairs" 2)" \
            "$(ratio "$(median "$c" "$pairs" 1)" "$(median plain "$pairs" 1)")" \
            "$(ratio "$(median "$c" "$pairs" 2)" "$(median plain "$pairs" 2)")" \
            "$(ratio "$(fastest "$c" "$pairs" 1)" "$(fastest plain "$pairs" 1)")" \
            "$(ratio "$(fastest "$c" "$pairs" 2)" "$(fastest plain "$pairs" 2)")"
    done
}

run heap 20000 && rm -f "$TMP/heap-20000" # fills the symbol cache
for _ in $(seq "$REPS"); do
    for c in "${configs[@]}"; do run "$c" "$PAIRS"; done
    for c in plain preload heap; do run "$c" $((PAIRS * 10)); done
    for c in plain heap heap_nocache; do run "$c" 20000; done
done

echo "heap profile: malloc_bench, $THREADS threads x PAIRS malloc/free pairs, $REPS runs each"
echo "  (seconds: medians; _x: against plain, of the medians and of the fastest runs)"
printf '  %-12s %10s %8s %8s %8s %8s %8s %8s\n' config pairs wall_s cpu_s wall_x cpu_x best_w_x best_c_x
report "$PAIRS" "${configs[@]}"
report $((PAIRS * 10)) plain preload heap
fixed() { awk -v a="$(median "$1" 20000 1)" -v b="$(median plain 20000 1)" 'BEGIN { printf "%.3f", a - b }'; }
echo "  writing the profile at exit costs about $(fixed heap)s, $(fixed heap_nocache)s without the symbol cache"
echo "  ($THREADS x 20000 pairs, wall, minus plain)"
echo "  target: heap at the default rate <= 1.15x"
