#!/bin/bash
# Compressed separate debug info (what Debian's -dbg packages ship) is
# inflated once into an uncompressed copy in the symbol cache directory,
# BUILD_ID.debug, and later processes read the copy: libdw otherwise
# inflates every debug section of the file in each process that misses
# the symbol cache (tens of milliseconds for libc6-dbg's libc).
#
# Checked here, with cpu_spin2 stripped and its DWARF in a zlib-compressed
# spin.debug found by .gnu_debuglink: the copy appears, private, with the
# module's build-id and no compressed section; with the original's
# compressed DWARF destroyed (its build-id note intact, so the search still
# accepts it) the lines still come, so they are read from the copy; a copy
# that is not the module's is refused and the original is read; with the
# cache off, or for a debug file that is not compressed, no copy is made.
source "$FP_ROOT/tests/lib.sh"
command -v python3 >/dev/null || fail "python3 is missing"

mkdir -p "$FP_TMP/bin"
cd "$FP_TMP/bin"
objcopy --only-keep-debug --compress-debug-sections=zlib "$FP_PROGS/cpu_spin2" spin.debug
objcopy --strip-debug --add-gnu-debuglink=spin.debug "$FP_PROGS/cpu_spin2" cpu_spin2
objcopy --only-keep-debug --compress-debug-sections=zlib "$FP_PROGS/cpu_threads" other.debug
readelf -S -W spin.debug 2>/dev/null | grep -q '\.debug_info .* C ' ||
    fail "objcopy did not compress spin.debug: the checks below would prove nothing"
build_id=$(readelf -n cpu_spin2 | awk '/Build ID/ { print $3 }')
[ -n "$build_id" ] || fail "cpu_spin2 has no build-id"
cd "$FP_TMP"

# Profiles the stripped cpu_spin2 with the symbol cache at CACHE (its .sym
# files removed first, so that every frame goes to the debug info) and
# prints how many of the profile's locations name cpu_spin2.c with a line.
lines_with_cache() { # NAME CACHE
    rm -f "$2"/*.sym
    FLIGHTPROF_SYMCACHE=$2 FLIGHTPROF_CPU=$FP_TMP/$1.pb.gz \
        fp_run "$FP_TMP/bin/cpu_spin2" 1 0.2 "$FP_TMP/$1.report" || fail "$1: cpu_spin2 failed"
    pprof -raw -symbolize=none "$FP_TMP/$1.pb.gz" >"$FP_TMP/$1.raw"
    grep -c 'cpu_spin2\.c:[0-9]' "$FP_TMP/$1.raw" || true
}

cache=$FP_TMP/cache
copy=$cache/$build_id.debug
n=$(lines_with_cache first "$cache")
[ "$n" -gt 0 ] || fail "first run: no cpu_spin2.c lines from the compressed debug file"
[ -f "$copy" ] || fail "no uncompressed copy $copy after the first run: $(ls "$cache")"
[ "$(stat -c %a "$copy")" = 600 ] || fail "the copy is not private: $(stat -c %a "$copy")"
readelf -S -W "$copy" 2>/dev/null | grep -q '\.debug_info' || fail "the copy has no .debug_info"
readelf -S -W "$copy" 2>/dev/null | grep -qE '\.debug_[a-z_]+ .* C ' && fail "the copy still has compressed sections"
[ "$(readelf -n "$copy" 2>/dev/null | awk '/Build ID/ { print $3 }')" = "$build_id" ] ||
    fail "the copy does not carry the module's build-id"
ls "$cache" | grep -q '\.tmp\.' && fail "a temporary file was left in the cache: $(ls "$cache")"

# Destroys the compressed DWARF of spin.debug (zlib data after each
# section's compression header), keeping its build-id note.
python3 - "$FP_TMP/bin/spin.debug" <<'PY'
import struct, sys
path = sys.argv[1]
data = bytearray(open(path, "rb").read())
shoff, = struct.unpack_from("<Q", data, 0x28)
shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3a)
def shdr(i):
    return struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize)
stroff = shdr(shstrndx)[4]
hit = 0
for i in range(shnum):
    name, _, flags, _, off, size = shdr(i)[:6]
    sname = data[stroff + name:data.index(0, stroff + name)].decode()
    if sname.startswith(".debug_") and flags & 0x800:  # SHF_COMPRESSED
        data[off + 24:off + size] = b"\0" * (size - 24)
        hit += 1
open(path, "wb").write(data)
sys.exit(0 if hit else 1)
PY
[ $? = 0 ] || fail "found no compressed section to destroy"
n=$(lines_with_cache unreadable-original-nocopy "$FP_TMP/empty-cache")
[ "$n" = 0 ] || fail "lines came from the destroyed spin.debug ($n): the next check would prove nothing"
rm -f "$FP_TMP/empty-cache"/*.debug
n=$(lines_with_cache from-copy "$cache")
[ "$n" -gt 0 ] || fail "with a good copy and a destroyed original there are no lines: the copy is not read"

# A copy that is another program's is refused: the (destroyed) original is
# read, so no lines, and nothing breaks.
cp "$FP_TMP/bin/other.debug" "$copy"
n=$(lines_with_cache wrong-copy "$cache")
[ "$n" = 0 ] || fail "another program's debug file was used as the copy ($n lines)"

# No copy with the cache off, nor for an uncompressed debug file.
objcopy --only-keep-debug "$FP_PROGS/cpu_spin2" "$FP_TMP/bin/spin.debug"
n=$(lines_with_cache plain "$FP_TMP/plain-cache")
[ "$n" -gt 0 ] || fail "no lines from an uncompressed debug file"
[ -e "$FP_TMP/plain-cache/$build_id.debug" ] && fail "a copy was made of an uncompressed debug file"
objcopy --only-keep-debug --compress-debug-sections=zlib "$FP_PROGS/cpu_spin2" "$FP_TMP/bin/spin.debug"
mkdir -p "$FP_TMP/off-home"
n=$(HOME=$FP_TMP/off-home lines_with_cache off off)
[ "$n" -gt 0 ] || fail "cache off: no lines from the compressed debug file"
[ -z "$(find "$FP_TMP/off-home" -mindepth 1)" ] || fail "files were made with the cache off: $(find "$FP_TMP/off-home")"
[ -e off ] && fail "the cache setting 'off' was taken for a directory"
echo "ok"
