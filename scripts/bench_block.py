#!/usr/bin/env python3
"""The block profile's cost, run by `make bench`.

A condition-variable ping-pong (tests/progs/cond_pingpong: two threads,
ROUNDS hand-overs each way, every one a wait) without flightprof, with
the library preloaded and nothing on, with the block profile at its
default rate (1 ms), and at rate 1 (every wait recorded with its stack),
alternating runs, medians. CPU is the program's own (wait4). Both
threads run on one CPU (taskset -c 0): across two CPUs of a VM a hand-over
is dominated by the wake-up's latency (ten times slower here and far
noisier), which is not what is being measured.
"""
import os
import statistics
import subprocess
import tempfile
import time

BUILD = os.environ.get("BUILD", "build")
LIB = os.path.abspath(f"{BUILD}/libflightprof.so")
PROG = f"{BUILD}/progs/cond_pingpong"
REPS = int(os.environ.get("BENCH_REPS", "5"))
ROUNDS = os.environ.get("BENCH_ROUNDS", "200000")
TMP = tempfile.mkdtemp(prefix="flightprof-bench-block-")
SETUPS = {
    "none": {},
    "preloaded, nothing on": {"LD_PRELOAD": LIB},
    "block, default rate": {"LD_PRELOAD": LIB, "FLIGHTPROF_BLOCK": f"{TMP}/block.pb.gz"},
    "block, rate 1": {"LD_PRELOAD": LIB, "FLIGHTPROF_BLOCK": f"{TMP}/all.pb.gz",
                      "FLIGHTPROF_BLOCK_RATE": "1"},
}


def run(extra):
    env = dict(os.environ)
    env.pop("LD_PRELOAD", None)
    env.update(extra, FLIGHTPROF_SYMCACHE=f"{TMP}/symcache")
    start = time.monotonic()
    proc = subprocess.Popen(["taskset", "-c", "0", PROG, ROUNDS], env=env,
                            stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit("bench_block: cond_pingpong failed")
    return time.monotonic() - start, usage.ru_utime + usage.ru_stime


results = {s: [] for s in SETUPS}
for _ in range(REPS):
    for name, extra in SETUPS.items():
        results[name].append(run(extra))
base_wall = statistics.median(w for w, _ in results["none"])
base_cpu = statistics.median(c for _, c in results["none"])
print("== The block profile on a condition-variable ping-pong, %s rounds (median of %d "
      "alternating runs)" % (ROUNDS, REPS))
print("%-24s %9s %9s %10s %10s" % ("setup", "wall s", "cpu s", "wall/none", "cpu/none"))
for name, runs in results.items():
    wall = statistics.median(w for w, _ in runs)
    cpu = statistics.median(c for _, c in runs)
    print("%-24s %9.3f %9.3f %10.3f %10.3f" % (name, wall, cpu, wall / base_wall, cpu / base_cpu))
