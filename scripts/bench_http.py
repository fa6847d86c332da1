#!/usr/bin/env python3
"""The live endpoint's cost, run by `make bench`.

Side by side in one run, alternating and taking medians: a busy 4-thread
program (bench_deep) with no flightprof, with the endpoint idle
(FLIGHTPROF_HTTP alone, so the heap and mutex profiles are on too), and
with every profile scraped every second (profile?seconds=1 back to back,
then heap, allocs, mutex, block and /metrics). The CPU time is the program's own
(wait4), which includes the server thread's work but not the scraper's.
Then the time the endpoint takes to serve each path to a program that
is running; last, the steady cost of what FLIGHTPROF_HTTP alone turns on
(the heap profile at its default rate, the mutex, block and threadcreate
profiles and the threads' wait states, endpoint idle) on two real programs, CPython encoding and decoding JSON and
redis-server under redis-benchmark, against the same programs without
flightprof and with the library preloaded and nothing on. The measured
program runs on CPU 0 and redis-benchmark on CPU 1, so that neither
moves between the two cores or competes for one.
"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

BUILD = os.environ.get("BUILD", "build")
LIB = os.path.abspath(f"{BUILD}/libflightprof.so")
DEEP = f"{BUILD}/progs/bench_deep"
REPS = int(os.environ.get("BENCH_REPS", "5"))
UNITS = os.environ.get("BENCH_UNITS", "30000")  # about 3 s of CPU per thread
TMP = tempfile.mkdtemp(prefix="flightprof-bench-http-")
PATHS = ["heap", "allocs", "mutex", "block"]
REDIS_REQUESTS = os.environ.get("BENCH_REDIS_REQUESTS", "200000")


def curl(sock, path):
    """curl's own time for the request (its time_total, not its start-up), s."""
    out = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{time_total}", "--max-time",
                          "60", "--unix-socket", sock, "http://flightprof/" + path],
                         check=False, capture_output=True, text=True).stdout
    try:
        return float(out)
    except ValueError:
        return float("nan")


def scrape(sock, proc):
    for _ in range(200):  # the socket appears once the library has loaded
        if os.path.exists(sock) or proc.poll() is not None:
            break
        time.sleep(0.01)
    while proc.poll() is None:
        curl(sock, "debug/pprof/profile?seconds=1")
        for p in PATHS:
            curl(sock, "debug/pprof/" + p)
        curl(sock, "metrics")


def run(setup, n):
    """(wall s, program CPU s) of one run."""
    env = dict(os.environ)
    env.pop("LD_PRELOAD", None)
    sock = f"{TMP}/ep-{n}.sock"
    if setup != "none":
        env.update({"LD_PRELOAD": LIB, "FLIGHTPROF_HTTP": "unix:" + sock,
                    "FLIGHTPROF_SYMCACHE": f"{TMP}/symcache"})
    start = time.monotonic()
    proc = subprocess.Popen([DEEP, "4", UNITS], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    scraper = None
    if setup == "scraped every second":
        scraper = threading.Thread(target=scrape, args=(sock, proc))
        scraper.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if scraper:
        scraper.join()
    return wall, usage.ru_utime + usage.ru_stime


def overhead():
    setups = ["none", "endpoint idle", "scraped every second"]
    results = {s: [] for s in setups}
    n = 0
    for _ in range(REPS):
        for s in setups:
            n += 1
            results[s].append(run(s, n))
    base_wall = statistics.median(w for w, _ in results["none"])
    base_cpu = statistics.median(c for _, c in results["none"])
    print("== The endpoint on a busy 4-thread program (median of %d alternating runs)" % REPS)
    print("%-22s %9s %9s %10s %10s" % ("setup", "wall s", "cpu s", "wall/none", "cpu/none"))
    for s, runs in results.items():
        wall = statistics.median(w for w, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        print("%-22s %9.3f %9.3f %10.3f %10.3f" % (s, wall, cpu, wall / base_wall, cpu / base_cpu))


def serve_times():
    sock = f"{TMP}/serve.sock"
    env = dict(os.environ, LD_PRELOAD=LIB, FLIGHTPROF_HTTP="unix:" + sock,
               FLIGHTPROF_SYMCACHE=f"{TMP}/symcache")
    proc = subprocess.Popen([DEEP, "2", "1000000"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        while not os.path.exists(sock):
            time.sleep(0.01)
        time.sleep(1)
        print("\n== Time to serve each path to a running 2-thread program (curl's time_total, "
              "median of %d; profile?seconds=1 less its second)" % REPS)
        for path in ["debug/pprof/", "metrics", "debug/pprof/heap", "debug/pprof/allocs",
                     "debug/pprof/mutex", "debug/pprof/block", "debug/pprof/threadcreate",
                     "debug/pprof/heap?debug=1",
                     "debug/pprof/profile?seconds=1"]:
            times = [curl(sock, path) for _ in range(REPS)]
            t = statistics.median(times) - (1 if "seconds=1" in path else 0)
            print("%-32s %8.1f ms" % (path, t * 1e3))
    finally:
        proc.kill()
        proc.wait()


PYTHON_JSON = ("import json\n"
               "for _ in range(3):\n"
               "    d = [{'id': i, 'name': str(i), 'tags': [i, i + 1]} for i in range(200000)]\n"
               "    json.loads(json.dumps(d))\n")


def on_cpu(cpu):
    """A preexec_fn that keeps the process on `cpu` (no extra exec'd program,
    which would carry the preload too)."""
    return lambda: os.sched_setaffinity(0, {cpu})


def real_env(setup, sock):
    env = dict(os.environ)
    env.pop("LD_PRELOAD", None)
    if setup != "none":
        env.update({"LD_PRELOAD": LIB, "FLIGHTPROF_SYMCACHE": f"{TMP}/symcache"})
    if setup == "endpoint idle":
        env["FLIGHTPROF_HTTP"] = "unix:" + sock
    return env


def python_cpu(setup, n):
    """CPU seconds of CPython running PYTHON_JSON."""
    proc = subprocess.Popen([sys.executable, "-c", PYTHON_JSON], preexec_fn=on_cpu(0),
                            env=real_env(setup, f"{TMP}/py-{n}.sock"))
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit("bench_http: python failed under %s" % setup)
    return usage.ru_utime + usage.ru_stime


def redis_cpu(setup, n):
    """CPU seconds of redis-server serving redis-benchmark's SET and GET."""
    sock = f"{TMP}/redis-{n}.sock"
    proc = subprocess.Popen(["redis-server", "--port", "0", "--unixsocket", sock, "--save", "",
                             "--appendonly", "no", "--dir", TMP],
                            env=real_env(setup, f"{TMP}/ep-redis-{n}.sock"),
                            preexec_fn=on_cpu(0),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(500):
        if os.path.exists(sock):
            break
        time.sleep(0.01)
    subprocess.run(["redis-benchmark", "-s", sock, "-q", "-n", REDIS_REQUESTS, "-c", "8",
                    "-t", "set,get"], check=True, stdout=subprocess.DEVNULL,
                   preexec_fn=on_cpu(1))
    subprocess.run(["redis-cli", "-s", sock, "shutdown", "nosave"], check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    return usage.ru_utime + usage.ru_stime


def real_programs():
    setups = ["none", "preloaded, nothing on", "endpoint idle"]
    programs = [("CPython json", python_cpu)]
    if shutil.which("redis-server") and shutil.which("redis-benchmark"):
        programs.append(("redis-server", redis_cpu))
    print("\n== What FLIGHTPROF_HTTP alone turns on (heap profile at its default rate, mutex, "
          "block and threadcreate profiles, thread states), endpoint idle, on real programs "
          "(CPU s, median of %d alternating runs)" % REPS)
    print("%-14s %-22s %9s %10s" % ("program", "setup", "cpu s", "cpu/none"))
    n = 0
    for name, measure in programs:
        results = {s: [] for s in setups}
        for _ in range(REPS):
            for s in setups:
                n += 1
                results[s].append(measure(s, n))
        base = statistics.median(results["none"])
        for s in setups:
            cpu = statistics.median(results[s])
            print("%-14s %-22s %9.3f %10.3f" % (name, s, cpu, cpu / base))


overhead()
serve_times()
real_programs()
