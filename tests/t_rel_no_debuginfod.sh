#!/bin/bash
# Symbolization reads local files only. libdwfl's standard debuginfo search
# ends, for a module without local debug info, in debuginfod_begin, which
# loads libdebuginfod and libcurl into the host and initialises them; at
# the exit of a CPython that used `ssl` (or of Node), after the host's own
# cleanup has torn OpenSSL down, that was a SIGSEGV and no profile.
#
# Checked here: CPython with ssl and Node with worker threads exit as they
# do unprofiled and leave readable profiles; no libcurl or libdebuginfod is
# mapped after a profile is written; libc frames still get file and line
# (libc6-dbg, by build-id); a .gnu_debuglink next to the file or in .debug/
# is followed, and a debug file that is not the binary's (wrong build-id,
# or wrong CRC for a binary without one) is refused; a binary whose code
# is in several mappings is symbolized in all of them.
#
# Every run has the symbol cache off: frames answered from the cache never
# reach the debuginfo search, and the test would pass whatever it does.
source "$FP_ROOT/tests/lib.sh"
export FLIGHTPROF_SYMCACHE=off
PY=/usr/bin/python3 # Debian's, whose ssl module uses the system OpenSSL
NODE=/usr/bin/node
[ -x "$PY" ] || fail "$PY is missing"
[ -x "$NODE" ] || fail "$NODE is missing"

# ---- CPython with ssl, profiled to exit --------------------------------
ssl_prog='import ssl, hashlib; [ssl.create_default_context() for i in range(20)]; print(hashlib.sha256(b"x").hexdigest()[:8])'
FLIGHTPROF_CPU=$FP_TMP/py.pb.gz same_behaviour "$PY" -c "$ssl_prog"
[ -s "$FP_TMP/py.pb.gz" ] || fail "python3 with ssl wrote no profile: $(cat "$FP_TMP/with.err")"
pprof -top "$FP_TMP/py.pb.gz" >"$FP_TMP/py.top"
head -5 "$FP_TMP/py.top"
grep -q 'Total samples' "$FP_TMP/py.top" || fail "python3 profile: no total in -top"

# ---- no network client in the process after a write --------------------
# The program burns CPU in the interpreter (so its stripped binary, which
# has no local debug info, must be symbolized), writes the profile with
# flightprof_cpu_flush() and lists the network libraries it then has mapped.
cat >"$FP_TMP/maps.py" <<'EOF'
import ctypes, hashlib, ssl, sys, time
if len(sys.argv) > 1:
    ctypes.CDLL(sys.argv[1])  # the control: a library the check must see
contexts = [ssl.create_default_context() for i in range(20)]
end = time.process_time() + 0.3
while time.process_time() < end:
    hashlib.sha256(b"x" * 4096).digest()
rc = ctypes.CDLL(None).flightprof_cpu_flush()
found = sorted({l.split()[-1] for l in open("/proc/self/maps")
                if "libcurl" in l or "libdebuginfod" in l})
print("flush", rc)
print("network", *found)
EOF
FLIGHTPROF_CPU=$FP_TMP/maps.pb.gz fp_run "$PY" "$FP_TMP/maps.py" >"$FP_TMP/maps.out" || fail "maps.py failed"
cat "$FP_TMP/maps.out"
grep -qx 'flush 0' "$FP_TMP/maps.out" || fail "flightprof_cpu_flush failed in python3"
grep -qx 'network' "$FP_TMP/maps.out" || fail "a network library is mapped after a profile write: $(grep network "$FP_TMP/maps.out")"
pprof -raw -symbolize=none "$FP_TMP/maps.pb.gz" >"$FP_TMP/maps.raw"
grep -E '^[0-9]+: .*/python3[.0-9]* .*\[FN\]' "$FP_TMP/maps.raw" >/dev/null ||
    fail "the interpreter's mapping was not symbolized, so its debuginfo search did not run"
# The check itself sees a network library when one is there.
FLIGHTPROF_CPU=$FP_TMP/control.pb.gz fp_run "$PY" "$FP_TMP/maps.py" libdebuginfod.so.1 >"$FP_TMP/control.out" ||
    fail "maps.py (control) failed"
grep -q '^network .*libdebuginfod' "$FP_TMP/control.out" || fail "the maps check does not see a loaded libdebuginfod"

# ---- libc frames keep file and line (libc6-dbg, found by build-id) ------
libc_id=$(awk '/^Mappings/ { m = 1 } m && /\/libc\.so\.6 / { sub(":", "", $1); print $1; exit }' "$FP_TMP/maps.raw")
[ -n "$libc_id" ] || fail "no libc mapping in the python3 profile"
grep -E "^[0-9]+: .*/libc\.so\.6 .*\[FN\]\[FL\]\[LN\]" "$FP_TMP/maps.raw" >/dev/null ||
    fail "the libc mapping is not marked as having files and lines"
grep -E "^ +[0-9]+: 0x[0-9a-f]+ M=$libc_id [^ ]+ [^ ]+\.[chS]:[0-9]+ " "$FP_TMP/maps.raw" >/dev/null ||
    fail "no libc frame has a source file and line"

# ---- .gnu_debuglink -----------------------------------------------------
# cpu_spin2 without its DWARF, pointing at spin.debug by .gnu_debuglink;
# a copy without a build-id is checked by the CRC instead.
mkdir -p "$FP_TMP/dl"
cd "$FP_TMP/dl"
objcopy --only-keep-debug "$FP_PROGS/cpu_spin2" spin.debug
objcopy --only-keep-debug "$FP_PROGS/cpu_threads" other.debug
objcopy --strip-debug --add-gnu-debuglink=spin.debug "$FP_PROGS/cpu_spin2" stripped
objcopy --remove-section=.note.gnu.build-id stripped no-build-id
readelf -n no-build-id | grep -q 'Build ID' && fail "could not remove the build-id"
# Copies BINARY to DIR/cpu_spin2 and DEBUG_FILE (spin.debug unless given)
# to DIR/PLACE, runs it, and prints how many of the profile's locations
# name cpu_spin2.c.
debuglink_case() { # DIR BINARY [PLACE [DEBUG_FILE]]
    local dir=$FP_TMP/dl/$1
    mkdir -p "$dir"
    cp "$2" "$dir/cpu_spin2"
    if [ $# -ge 3 ]; then
        mkdir -p "$(dirname "$dir/$3")"
        cp "${4:-spin.debug}" "$dir/$3"
    fi
    FLIGHTPROF_CPU=$dir/p.pb.gz fp_run "$dir/cpu_spin2" 1 0.2 "$dir/report" || fail "$1: cpu_spin2 failed"
    pprof -raw -symbolize=none "$dir/p.pb.gz" >"$dir/raw"
    grep -c 'cpu_spin2\.c:[0-9]' "$dir/raw" || true
}
n=$(debuglink_case none stripped)
[ "$n" = 0 ] || fail "lines found with no debug file at all ($n): the checks below would prove nothing"
n=$(debuglink_case next stripped spin.debug)
[ "$n" -gt 0 ] || fail "a .gnu_debuglink file next to the binary was not used"
n=$(debuglink_case subdir stripped .debug/spin.debug)
[ "$n" -gt 0 ] || fail "a .gnu_debuglink file in .debug/ was not used"
n=$(debuglink_case wrong stripped spin.debug other.debug)
[ "$n" = 0 ] || fail "another program's debug file was used ($n lines)"
n=$(debuglink_case crc no-build-id spin.debug)
[ "$n" -gt 0 ] || fail "a debug file with the right CRC (binary without build-id) was not used"
cp spin.debug changed.debug
printf x >>changed.debug
n=$(debuglink_case crc-bad no-build-id spin.debug changed.debug)
[ "$n" = 0 ] || fail "a debug file with the wrong CRC was used ($n lines)"
cd "$FP_TMP"

# ---- one file in several executable mappings -----------------------------
# Node's binary is mapped so (a second copy of V8's builtins, one-page
# pieces), and symbolizing its later mapping before an earlier one used to
# report the file to libdwfl twice, which freed the first module while it
# was in use: Node died at exit now and then. sym_split_text makes that
# order certain; -symbolize=none keeps pprof from naming what the profile
# left unnamed.
"$FP_PROGS/sym_split_text" "$FP_TMP/split.pb.gz" || fail "sym_split_text failed"
pprof -raw -symbolize=none "$FP_TMP/split.pb.gz" >"$FP_TMP/split.raw"
[ "$(grep -cE '^[0-9]+: .*/sym_split_text ' "$FP_TMP/split.raw")" -ge 2 ] ||
    fail "sym_split_text's code is not in several mappings: the check below proves nothing"
pprof -traces -symbolize=none "$FP_TMP/split.pb.gz" >"$FP_TMP/split.traces"
cat "$FP_TMP/split.traces"
grep -qE '^ +split_hot$' "$FP_TMP/split.traces" && grep -qE '^ +main$' "$FP_TMP/split.traces" ||
    fail "split_hot or main (in the earlier mapping) is not named"
grep -qF '[sym_split_text]' "$FP_TMP/split.traces" && fail "unsymbolized frames in sym_split_text"

# ---- Node with worker threads, CPU and heap profiles, five times ---------
cat >"$FP_TMP/workers.js" <<'EOF'
const { Worker, isMainThread, parentPort } = require('worker_threads');
const crypto = require('crypto');
if (isMainThread) {
  let done = 0;
  for (let i = 0; i < 4; i++)
    new Worker(__filename).on('message', () => { if (++done === 4) console.log('done'); });
} else {
  const end = Date.now() + 500;
  let h = Buffer.from('x');
  while (Date.now() < end) h = crypto.createHash('sha256').update(h).digest();
  parentPort.postMessage(h.toString('hex'));
}
EOF
for i in 1 2 3 4 5; do
    rc=0
    FLIGHTPROF_CPU=$FP_TMP/node-$i.pb.gz FLIGHTPROF_HEAP=$FP_TMP/node-heap-$i.pb.gz \
        fp_run "$NODE" "$FP_TMP/workers.js" >"$FP_TMP/node-$i.out" 2>"$FP_TMP/node-$i.err" || rc=$?
    [ $rc = 0 ] || fail "node run $i exited with $rc: $(cat "$FP_TMP/node-$i.err")"
    [ "$(cat "$FP_TMP/node-$i.out")" = done ] || fail "node run $i printed: $(cat "$FP_TMP/node-$i.out")"
    [ -s "$FP_TMP/node-$i.pb.gz" ] && [ -s "$FP_TMP/node-heap-$i.pb.gz" ] || fail "node run $i left no profiles"
done
pprof -top "$FP_TMP/node-5.pb.gz" >/dev/null
echo "node: 5 runs exited 0"
