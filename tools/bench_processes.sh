#!/bin/bash
# Fork-heavy programs: what flightprof costs a process that lives for a few
# milliseconds, side by side in one invocation (hyperfine, alternating
# configurations run by run is not possible with it; each configuration's
# runs follow the previous one's, warm caches for all). Prints medians and
# ratios against the plain runs of this invocation:
#   /bin/true              plain, the library preloaded with nothing on,
#                          FLIGHTPROF_CPU, gperftools' CPUPROFILE
#   python3 -c pass        plain, FLIGHTPROF_CPU, CPUPROFILE
#   a bash script          300 rounds of $(echo), true, /bin/true and a pipe
#                          through tr: plain, FLIGHTPROF_CPU, all collectors
#   a build                make -j2 of the flightprof CLI into a scratch
#                          directory (BENCH_BUILD=0 skips it): plain,
#                          FLIGHTPROF_CPU
# The symbol cache is private to the run and warm (as on every run of a
# program but the first).
#
# Usage: BUILD=build tools/bench_processes.sh   (RUNS=30 SCRIPT_RUNS=5 BUILD_RUNS=3)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${BUILD:-build}
RUNS=${RUNS:-30}
SCRIPT_RUNS=${SCRIPT_RUNS:-5}
BUILD_RUNS=${BUILD_RUNS:-3}
LIB=$ROOT/$BUILD/libflightprof.so
GPERF=$(ls /usr/lib/x86_64-linux-gnu/libprofiler.so.0 2>/dev/null || true)
[ -f "$LIB" ] || { echo "bench_processes: $LIB missing (make first)" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "bench_processes: needs hyperfine" >&2; exit 1; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/fp-bench-processes.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
export FLIGHTPROF_SYMCACHE=$TMP/symcache
mkdir -p "$TMP/out"

cat >"$TMP/forks.sh" <<'EOF'
for i in $(seq 300); do
    x=$(echo "$i")
    true
    /bin/true
    echo "$x" | tr 0-9 a-j >/dev/null
done
EOF

CPU="FLIGHTPROF_CPU=$TMP/out/cpu-%p.pb.gz"
ALL="$CPU FLIGHTPROF_HEAP=$TMP/out/heap-%p.pb.gz FLIGHTPROF_MUTEX=$TMP/out/mutex-%p.pb.gz FLIGHTPROF_SNAPSHOT=$TMP/out/fr-%p-%n.fr"

# bench NAME RUNS LABEL=ENV... -- CMD: one hyperfine per configuration,
# "label median_ms" lines into $TMP/NAME; $PREPARE runs before each run.
bench() {
    local name=$1 runs=$2
    shift 2
    local configs=()
    while [ "$1" != -- ]; do configs+=("$1"); shift; done
    shift
    : >"$TMP/$name"
    for c in "${configs[@]}"; do
        local label=${c%%=*} envs=${c#*=}
        hyperfine -N --runs "$runs" --warmup 2 --export-csv "$TMP/h.csv" \
            --prepare "sh -c 'rm -rf $TMP/out; mkdir -p $TMP/out; ${PREPARE:-true}'" \
            "env $envs $*" >/dev/null 2>&1 || { echo "bench_processes: $name/$label failed" >&2; exit 1; }
        awk -F, -v l="$label" 'NR == 2 { printf "%s %.2f\n", l, $4 * 1000 }' "$TMP/h.csv" >>"$TMP/$name"
    done
}

report() { # NAME TITLE
    echo "$2"
    awk '{ ms[NR] = $2; l[NR] = $1 } END {
        for (i = 1; i <= NR; i++)
            printf "  %-22s %9.2f ms  %+8.2f ms  %6.3fx\n", l[i], ms[i], ms[i] - ms[1], ms[i] / ms[1] }' "$TMP/$1"
}

gp=()
[ -n "$GPERF" ] && gp=("gperftools=LD_PRELOAD=$GPERF CPUPROFILE=$TMP/out/gp.prof")

bench true "$RUNS" "plain=A=1" "preloaded=LD_PRELOAD=$LIB" "flightprof-cpu=LD_PRELOAD=$LIB $CPU" \
    "${gp[@]}" -- /bin/true
bench python "$RUNS" "plain=A=1" "flightprof-cpu=LD_PRELOAD=$LIB $CPU" "${gp[@]}" -- \
    /usr/bin/python3 -c pass
bench script "$SCRIPT_RUNS" "plain=A=1" "flightprof-cpu=LD_PRELOAD=$LIB $CPU" \
    "flightprof-all=LD_PRELOAD=$LIB $ALL" -- bash "$TMP/forks.sh"

echo "== short processes (median of hyperfine runs; +ms and x against plain)"
report true "/bin/true, $RUNS runs each (target: flightprof-cpu <= +2 ms)"
report python "python3 -c pass, $RUNS runs each"
report script "bash script, 300 rounds of 4 commands, $SCRIPT_RUNS runs each (target: flightprof-cpu <= 1.3x)"
if [ "${BENCH_BUILD:-1}" != 0 ]; then
    PREPARE="rm -rf $TMP/b/obj $TMP/b/flightprof" \
        bench build "$BUILD_RUNS" "plain=A=1" "flightprof-cpu=LD_PRELOAD=$LIB $CPU" -- \
        make -s -C "$ROOT" BUILD="$TMP/b" -j2 "$TMP/b/flightprof"
    report build "make -j2 of the flightprof CLI, $BUILD_RUNS runs each (target: flightprof-cpu <= 1.10x)"
fi
