#!/bin/bash
# Flight-recorder benchmark: malloc_bench (2 threads x PAIRS malloc/free
# pairs of 16..1040 bytes) with no recorder, with the recorder, and under
# heaptrack, alternating runs, medians; then the time to write a full
# 64 MiB snapshot. Prints one table; ratios are against the plain run of
# the same invocation.
#
# Usage: BUILD=build scripts/bench_recorder.sh   (RUNS=5 PAIRS=2000000 HEAPTRACK_RUNS=1)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
RUNS=${RUNS:-5}
PAIRS=${PAIRS:-2000000}
THREADS=2
HEAPTRACK_RUNS=${HEAPTRACK_RUNS:-1}
LIB=$PWD/$BUILD/libflightprof.so
PROG=$PWD/$BUILD/progs/malloc_bench
SNAPBENCH=$PWD/$BUILD/progs/rec_snapbench
for f in "$LIB" "$PROG" "$SNAPBENCH"; do
    [ -x "$f" ] || [ -f "$f" ] || { echo "bench_recorder: $f missing (make all \$(PROGS) first)" >&2; exit 1; }
done
TMP=$(mktemp -d "${TMPDIR:-/tmp}/fp-bench-recorder.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# One run: prints "wall_s cpu_s maxrss_kb".
run_once() { # MODE
    local t=$TMP/time
    case $1 in
    plain) /usr/bin/time -o "$t" -f '%e %U %S %M' "$PROG" "$PAIRS" $THREADS ;;
    recorder)
        FLIGHTPROF_SNAPSHOT="$TMP/fr-%p-%n.fr" LD_PRELOAD=$LIB \
            /usr/bin/time -o "$t" -f '%e %U %S %M' "$PROG" "$PAIRS" $THREADS ;;
    heaptrack)
        /usr/bin/time -o "$t" -f '%e %U %S %M' heaptrack -o "$TMP/ht" "$PROG" "$PAIRS" $THREADS \
            >/dev/null 2>&1
        rm -f "$TMP"/ht* ;;
    esac
    awk '{ printf "%s %.3f %s\n", $1, $2 + $3, $4 }' "$t"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

declare -A wall cpu rss
for mode in plain recorder heaptrack; do : >"$TMP/$mode"; done
for ((i = 0; i < RUNS; i++)); do
    run_once plain >>"$TMP/plain"
    run_once recorder >>"$TMP/recorder"
    if [ $i -lt "$HEAPTRACK_RUNS" ] && command -v heaptrack >/dev/null; then
        run_once heaptrack >>"$TMP/heaptrack"
    fi
done
for mode in plain recorder heaptrack; do
    [ -s "$TMP/$mode" ] || continue
    wall[$mode]=$(awk '{ print $1 }' "$TMP/$mode" | median)
    cpu[$mode]=$(awk '{ print $2 }' "$TMP/$mode" | median)
    rss[$mode]=$(awk '{ print $3 }' "$TMP/$mode" | median)
done

# Events recorded: one per malloc and one per free, per pair and thread.
events=$((PAIRS * THREADS * 2))
echo "flight recorder benchmark: malloc_bench $PAIRS pairs x $THREADS threads, $RUNS runs (median), $events events"
printf '%-10s %9s %9s %9s %10s\n' mode wall_s cpu_s ratio rss_kb
for mode in plain recorder heaptrack; do
    [ -n "${wall[$mode]:-}" ] || continue
    printf '%-10s %9.3f %9.3f %8.2fx %10d\n' "$mode" "${wall[$mode]}" "${cpu[$mode]}" \
        "$(echo "${wall[$mode]} / ${wall[plain]}" | bc -l)" "${rss[$mode]}"
done
echo "recorder: $(echo "(${cpu[recorder]} - ${cpu[plain]}) * 1000000000 / $events" | bc -l | xargs printf '%.1f') ns of CPU per event," \
     "slowdown $(echo "${wall[recorder]} / ${wall[plain]}" | bc -l | xargs printf '%.2f')x (target <= 1.5x)," \
     "RSS +$(( (${rss[recorder]} - ${rss[plain]}) / 1024 )) MiB (window 8 MiB)"

# A full 64 MiB window written as one snapshot.
: >"$TMP/snap"
for ((i = 0; i < 3; i++)); do
    FLIGHTPROF_SNAPSHOT="$TMP/sb-%n.fr" FLIGHTPROF_RECORDER_SIZE=64MiB LD_PRELOAD=$LIB \
        "$SNAPBENCH" "$TMP/full.fr" >>"$TMP/snap"
done
ms=$(sed -n 's/^snapshot_ms=\([0-9.]*\).*/\1/p' "$TMP/snap" | median)
bytes=$(sed -n 's/.*bytes=\([0-9]*\)/\1/p' "$TMP/snap" | tail -1)
echo "snapshot: 64 MiB window written in ${ms} ms (median of 3; $bytes bytes; target <= 200 ms)"
