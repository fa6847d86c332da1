#!/usr/bin/env python3
"""Fork-heavy programs: what flightprof costs processes that live a few
milliseconds, run by `make bench`.

Side by side in one invocation, configurations alternating run by run (so
that a machine whose speed drifts, as virtual machines' does, slows every
configuration alike), medians of each configuration's runs, ratios against
the plain runs of the same invocation. Both the wall time and the CPU time
of the whole process tree (user + system, from RUSAGE_CHILDREN) are shown:

  /bin/true          plain, the library preloaded with nothing on,
                     FLIGHTPROF_CPU, gperftools' CPUPROFILE
  python3 -c pass    plain, FLIGHTPROF_CPU, CPUPROFILE
  a bash script      300 rounds of $(echo), true, /bin/true and a pipe
                     through tr: plain, FLIGHTPROF_CPU, every collector
  a build            make -j2 of the flightprof CLI into a scratch
                     directory (BENCH_BUILD=0 skips it): plain,
                     FLIGHTPROF_CPU

The symbol cache is private to the run and warm (as on every run of a
program but the first). FP_LIB=path measures another build of the library;
FP_LIB_PREV=path adds, for each flightprof configuration, the same with
that build (e.g. the previous main's), alternating with the rest.

Usage: BUILD=build scripts/bench_processes.py   (RUNS=30 SCRIPT_RUNS=5 BUILD_RUNS=3)
"""
import os
import shutil
import statistics
import sys
import tempfile

from bench_run import measure

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("BUILD", "build")
LIB = os.environ.get("FP_LIB") or os.path.join(ROOT, BUILD, "libflightprof.so")
PREV = os.environ.get("FP_LIB_PREV")
GPERF = "/usr/lib/x86_64-linux-gnu/libprofiler.so.0"
RUNS = int(os.environ.get("RUNS", "30"))
SCRIPT_RUNS = int(os.environ.get("SCRIPT_RUNS", "5"))
BUILD_RUNS = int(os.environ.get("BUILD_RUNS", "3"))
TMP = tempfile.mkdtemp(prefix="fp-bench-processes.")
OUT = os.path.join(TMP, "out")

SCRIPT = """for i in $(seq 300); do
    x=$(echo "$i")
    true
    /bin/true
    echo "$x" | tr 0-9 a-j >/dev/null
done
"""


def fresh_out():
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)


def run(argv, env_extra, prepare=None):
    """Runs argv once; returns (wall ms, CPU ms of the process tree)."""
    fresh_out()
    if prepare:
        prepare()
    wall, cpu = measure(argv, dict({"FLIGHTPROF_SYMCACHE": os.path.join(TMP, "symcache")},
                                   **env_extra))
    return wall * 1000, cpu * 1000


def with_prev(configs):
    """Each configuration that preloads LIB, followed by the same with PREV."""
    out = []
    for label, env in configs:
        out.append((label, env))
        if PREV and env.get("LD_PRELOAD") == LIB:
            out.append((label + "-prev", dict(env, LD_PRELOAD=PREV)))
    return out


def bench(title, runs, configs, argv, prepare=None):
    """configs: [(label, env)], the first the baseline. Two warm-up rounds,
    then `runs` rounds of every configuration in turn."""
    configs = with_prev(configs)
    results = {label: [] for label, _ in configs}
    for i in range(runs + 2):
        for label, env in configs:
            r = run(argv, env, prepare)
            if i >= 2:
                results[label].append(r)
    print(title)
    print("  %-20s %10s %9s %7s %10s %9s %7s" % ("", "wall ms", "+ms", "x", "cpu ms", "+ms", "x"))
    base = None
    for label, _ in configs:
        wall = statistics.median(r[0] for r in results[label])
        cpu = statistics.median(r[1] for r in results[label])
        if base is None:
            base = (wall, cpu)
        print("  %-20s %10.2f %+9.2f %6.3fx %10.2f %+9.2f %6.3fx" %
              (label, wall, wall - base[0], wall / base[0], cpu, cpu - base[1], cpu / base[1]))
    sys.stdout.flush()


def main():
    for lib in [LIB] + ([PREV] if PREV else []):
        if not os.path.exists(lib):
            sys.exit(f"bench_processes: {lib} missing (make first)")
    cpu = {"LD_PRELOAD": LIB, "FLIGHTPROF_CPU": f"{OUT}/cpu-%p.pb.gz"}
    every = dict(cpu, FLIGHTPROF_HEAP=f"{OUT}/heap-%p.pb.gz",
                 FLIGHTPROF_MUTEX=f"{OUT}/mutex-%p.pb.gz",
                 FLIGHTPROF_SNAPSHOT=f"{OUT}/fr-%p-%n.fr")
    gperf = ([("gperftools", {"LD_PRELOAD": GPERF, "CPUPROFILE": f"{OUT}/gp.prof"})]
             if os.path.exists(GPERF) else [])
    script = os.path.join(TMP, "forks.sh")
    with open(script, "w") as f:
        f.write(SCRIPT)

    print(f"== short processes: {LIB}" + (f" (-prev: {PREV})" if PREV else "") + "\n"
          "   (medians of alternating runs; +ms and x against plain)")
    bench(f"/bin/true, {RUNS} runs each (target: flightprof-cpu <= +2 ms)", RUNS,
          [("plain", {}), ("preloaded", {"LD_PRELOAD": LIB}), ("flightprof-cpu", cpu)] + gperf,
          ["/bin/true"])
    bench(f"python3 -c pass, {RUNS} runs each", RUNS,
          [("plain", {}), ("flightprof-cpu", cpu)] + gperf, ["/usr/bin/python3", "-c", "pass"])
    bench(f"bash script, 300 rounds of 4 commands, {SCRIPT_RUNS} runs each "
          "(target: flightprof-cpu <= 1.3x)", SCRIPT_RUNS,
          [("plain", {}), ("flightprof-cpu", cpu), ("flightprof-all", every)], ["bash", script])
    if os.environ.get("BENCH_BUILD", "1") != "0":
        scratch = os.path.join(TMP, "b")

        def clean():
            shutil.rmtree(os.path.join(scratch, "obj"), ignore_errors=True)
            if os.path.exists(os.path.join(scratch, "flightprof")):
                os.unlink(os.path.join(scratch, "flightprof"))
        bench(f"make -j2 of the flightprof CLI, {BUILD_RUNS} runs each "
              "(target: flightprof-cpu <= 1.10x)", BUILD_RUNS,
              [("plain", {}), ("flightprof-cpu", cpu)],
              ["make", "-s", "-C", ROOT, f"BUILD={scratch}", "-j2", f"{scratch}/flightprof"],
              clean)


try:
    main()
finally:
    shutil.rmtree(TMP, ignore_errors=True)
