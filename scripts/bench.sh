#!/bin/sh
# make bench: every benchmark, each printing its numbers against a baseline
# measured in the same run. Not part of make check.
set -e
BUILD=${BUILD:-build}
export BUILD
python3 scripts/bench_cpu.py
for b in scripts/bench_pprof.sh scripts/bench_recorder.sh scripts/bench_heap.sh scripts/bench_processes.py scripts/bench_http.py scripts/bench_block.py; do
    [ -x "$b" ] && { echo; "$b"; }
done
