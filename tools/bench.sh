#!/bin/sh
# make bench: every benchmark, each printing its numbers against a baseline
# measured in the same run. Not part of make check.
set -e
BUILD=${BUILD:-build}
export BUILD
python3 tools/bench_cpu.py
for b in tools/bench_pprof.sh tools/bench_recorder.sh tools/bench_heap.sh tools/bench_processes.py; do
    [ -x "$b" ] && { echo; "$b"; }
done
