#!/usr/bin/env python3
"""CPU profiler benchmark, run by `make bench`.

Side by side in one run, alternating and taking medians: no profiler,
flightprof, and gperftools' libprofiler (Debian google-perftools) on a
deep-stack workload (40 frames) with 1 and 4 threads, at 100 Hz and at the
highest rate; the per-sample handler cost of both unwinders; the start-up
cost of preloading into /bin/true. Prints ratios against the no-profiler
baseline measured in the same run. flightprof's runs share a symbol cache
of their own (filled before the measured runs, as on every run of a
program but its first); the fixed cost is also shown without it.
"""
import os
import statistics
import subprocess
import sys
import tempfile

from bench_run import measure as run

BUILD = os.environ.get("BUILD", "build")
LIB = os.path.abspath(f"{BUILD}/libflightprof.so")
DEEP = f"{BUILD}/progs/bench_deep"
UNWIND = f"{BUILD}/bench/bench_unwind"
GPERF = "/usr/lib/x86_64-linux-gnu/libprofiler.so.0"
REPS = int(os.environ.get("BENCH_REPS", "5"))
UNITS = os.environ.get("BENCH_UNITS", "30000")  # about 3 s of CPU per thread
TMP = tempfile.mkdtemp(prefix="flightprof-bench-")
SYMCACHE = f"{TMP}/symcache"


def profilers(hz):
    return {
        "none": {},
        "flightprof": {"LD_PRELOAD": LIB, "FLIGHTPROF_CPU": f"{TMP}/fp.pb.gz",
                       "FLIGHTPROF_HZ": str(hz), "FLIGHTPROF_SYMCACHE": SYMCACHE},
        "gperftools": {"LD_PRELOAD": GPERF, "CPUPROFILE": f"{TMP}/gperf.prof",
                       "CPUPROFILE_FREQUENCY": str(hz)},
    }


def overhead():
    print("== Overhead on a 40-frame CPU workload (median of %d alternating runs)" % REPS)
    print("%-8s %-5s %-11s %9s %9s %10s %10s" % ("threads", "hz", "profiler", "wall s", "cpu s",
                                                 "wall/none", "cpu/none"))
    for threads in (1, 4):
        for hz in (100, 1000):
            setups = profilers(hz)
            results = {name: [] for name in setups}
            for _ in range(REPS):
                for name, env in setups.items():
                    results[name].append(run([DEEP, str(threads), UNITS], env))
            base_wall = statistics.median(w for w, _ in results["none"])
            base_cpu = statistics.median(c for _, c in results["none"])
            for name, runs in results.items():
                wall = statistics.median(w for w, _ in runs)
                cpu = statistics.median(c for _, c in runs)
                print("%-8d %-5d %-11s %9.3f %9.3f %10.3f %10.3f" % (
                    threads, hz, name, wall, cpu, wall / base_wall, cpu / base_cpu))


def fixed_cost():
    """What a profiled run costs regardless of its length: loading, starting
    the timers, and symbolizing and writing the profile at exit."""
    setups = profilers(100)
    setups["flightprof, no symbol cache"] = dict(setups["flightprof"], FLIGHTPROF_SYMCACHE="off")
    times = {name: [] for name in setups}
    run([DEEP, "1", "100"], setups["flightprof"])  # fills the symbol cache
    for _ in range(REPS * 4):
        for name, env in setups.items():
            times[name].append(run([DEEP, "1", "100"], env)[0])
    base = statistics.median(times["none"])
    print("\n== Fixed cost per run (a 10 ms workload, median of %d): start, write at exit" % (REPS * 4))
    for name, t in times.items():
        print("%-28s %8.1f ms   extra %+7.1f ms" % (name, statistics.median(t) * 1e3,
                                                    (statistics.median(t) - base) * 1e3))


def handler_cost():
    print("\n== Per-sample handler cost at ~40 frames (in the SIGPROF handler)")
    print("%-10s %10s %10s %7s" % ("unwinder", "median ns", "p99 ns", "frames"))
    for mode in ("libunwind", "fp"):
        runs = [subprocess.run([UNWIND, mode, "5000"], check=True, capture_output=True,
                               text=True).stdout.split() for _ in range(3)]
        med = statistics.median(int(r[1]) for r in runs)
        p99 = statistics.median(int(r[2]) for r in runs)
        print("%-10s %10d %10d %7s" % (mode, med, p99, runs[0][3]))


def startup():
    n = int(os.environ.get("BENCH_STARTUP_RUNS", "200"))
    setups = {
        "none": {},
        "flightprof (loaded, idle)": {"LD_PRELOAD": LIB},
        "flightprof (FLIGHTPROF_CPU)": {"LD_PRELOAD": LIB, "FLIGHTPROF_CPU": f"{TMP}/true.pb.gz",
                                        "FLIGHTPROF_SYMCACHE": SYMCACHE},
        "gperftools (CPUPROFILE)": {"LD_PRELOAD": GPERF, "CPUPROFILE": f"{TMP}/true.prof"},
    }
    times = {name: [] for name in setups}
    for _ in range(n):
        for name, env in setups.items():
            times[name].append(run(["/bin/true"], env)[0])
    base = statistics.median(times["none"])
    print("\n== Start-up: /bin/true, median of %d alternating runs" % n)
    for name, t in times.items():
        print("%-30s %8.2f ms   extra %+6.2f ms" % (name, statistics.median(t) * 1e3,
                                                   (statistics.median(t) - base) * 1e3))


def main():
    for path in (LIB, DEEP, UNWIND):
        if not os.path.exists(path):
            sys.exit(f"bench: {path} is missing; run make first")
    if not os.path.exists(GPERF):
        sys.exit(f"bench: {GPERF} is missing (Debian package libgoogle-perftools4)")
    overhead()
    fixed_cost()
    handler_cost()
    startup()


if __name__ == "__main__":
    main()
