"""One measured run of a benchmarked program, shared by the benchmark
scripts: the environment without an inherited LD_PRELOAD plus the
configuration's variables, output discarded, the wall time and the CPU
time (user + system) of the whole process tree it started."""
import os
import resource
import subprocess
import time


def measure(argv, env_extra):
    """Runs argv; returns (wall seconds, CPU seconds of the process tree)."""
    env = dict(os.environ)
    env.pop("LD_PRELOAD", None)
    env.update(env_extra)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu
