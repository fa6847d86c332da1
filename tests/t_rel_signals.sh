#!/bin/bash
# The program sees the dispositions it would see without flightprof:
# CPython finds SIGINT and SIGTERM at SIG_DFL at start (so it installs its
# KeyboardInterrupt handler), its own handlers run and are reported back
# as installed, and a SIGTERM after it restores SIG_DFL still writes the
# profile before the process dies of it. Every collector is on.
source "$FP_ROOT/tests/lib.sh"

command -v /usr/bin/python3 >/dev/null || fail "needs Debian's python3"
cat >sig.py <<'PY'
import os, signal, sys, time
print("SIGINT at start:", signal.getsignal(signal.SIGINT))
print("SIGTERM at start:", signal.getsignal(signal.SIGTERM))
print("SIGUSR2 at start:", signal.getsignal(signal.SIGUSR2))
print("SIGPROF at start:", signal.getsignal(signal.SIGPROF), "SIGSEGV:", signal.getsignal(signal.SIGSEGV))
try:
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(0.2)
    print("no KeyboardInterrupt")
except KeyboardInterrupt:
    print("KeyboardInterrupt raised")
old = signal.signal(signal.SIGTERM, lambda s, f: print("own SIGTERM handler ran"))
print("previous SIGTERM:", old)
os.kill(os.getpid(), signal.SIGTERM)
print("SIGTERM now:", signal.getsignal(signal.SIGTERM).__name__)
signal.signal(signal.SIGTERM, old)
old = signal.signal(signal.SIGUSR2, lambda s, f: print("own SIGUSR2 handler ran"))
os.kill(os.getpid(), signal.SIGUSR2)
signal.signal(signal.SIGUSR2, old)
print("restored:", signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGUSR2))
sys.stdout.flush()
os.kill(os.getpid(), signal.SIGTERM)
time.sleep(5)
print("still alive")
PY
# Under the sanitizers the baseline has their runtime preloaded too: it
# installs handlers of its own (SIGSEGV), which the program then sees.
baseline() { LD_PRELOAD=${FP_SAN:+${FP_PRELOAD%%:*}} "$@"; }
set +e
baseline /usr/bin/python3 sig.py >plain.out 2>plain.err
plain_rc=$?
FLIGHTPROF_CPU=$FP_TMP/cpu.pb.gz FLIGHTPROF_HEAP=$FP_TMP/heap.pb.gz FLIGHTPROF_MUTEX=$FP_TMP/mutex.pb.gz \
FLIGHTPROF_SNAPSHOT=$FP_TMP/fr-%n.fr fp_run /usr/bin/python3 sig.py >with.out 2>with.err
with_rc=$?
set -e
cat with.out with.err
[ "$plain_rc" = 143 ] || fail "plain run: exit status $plain_rc, expected death by SIGTERM"
[ "$with_rc" = "$plain_rc" ] || fail "exit status $with_rc with flightprof, $plain_rc without"
diff plain.out with.out || fail "the program's view of its signals differs with flightprof"
[ -f cpu.pb.gz ] || fail "SIGTERM at SIG_DFL wrote no CPU profile"
pprof -top cpu.pb.gz >/dev/null
pprof -top heap.pb.gz >/dev/null

# An uncaught KeyboardInterrupt: CPython restores SIG_DFL and kills itself
# with SIGINT, and exits 130 only if it is still alive afterwards. It must
# die of the signal (status -2 to its parent), with the profile written.
rm -f cpu.pb.gz
# The child burns CPU first: a descendant that was never sampled writes
# nothing, and this checks the write on the way to death by SIGINT.
cat >kbi.py <<'PY'
x = sum(i * i for i in range(2000000))
raise KeyboardInterrupt
PY
cat >parent.py <<'PY'
import subprocess, sys
print(subprocess.run([sys.executable, sys.argv[1]], stderr=subprocess.DEVNULL).returncode)
PY
baseline /usr/bin/python3 parent.py kbi.py >kbi-plain.out
FLIGHTPROF_CPU=$FP_TMP/cpu.pb.gz fp_run /usr/bin/python3 parent.py kbi.py >kbi-with.out
[ "$(cat kbi-plain.out)" = -2 ] || fail "plain: KeyboardInterrupt exit status $(cat kbi-plain.out)"
diff kbi-plain.out kbi-with.out || fail "KeyboardInterrupt: the child's exit status differs with flightprof"
ls cpu.pb.gz.* >/dev/null 2>&1 || fail "KeyboardInterrupt: the child wrote no profile"
