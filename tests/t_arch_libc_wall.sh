#!/bin/bash
# The wall around the real libc (src/core/libc.h): no object of the library
# outside the interposer files (src/interpose/) and the wall itself
# (src/core/libc.c) references a function the library interposes, so its own
# mappings, locks, masks, thread names and allocations cannot reach its
# collectors; its own heap memory comes through src/base/mem.h, from the
# allocator the program's malloc reaches, looked up by name. Then the
# behaviour it protects: in a flight-recorder snapshot of programs that
# never rename a thread and never map memory themselves after start-up,
# there is no thread-name event and no mmap/munmap of flightprof's (or of
# the libunwind it loads, whose per-thread caches are unmapped by a
# thread-exit destructor).
source "$FP_ROOT/tests/lib.sh"

objs=$(dirname "$FP_LIB")/obj/lib
[ -d "$objs" ] || fail "no objects in $objs"
nm -D --defined-only "$FP_LIB" | awk '$2 == "T" || $2 == "W" { print $3 }' |
    grep -v '^flightprof_' | sort -u >"$FP_TMP/interposed"
[ "$(wc -l <"$FP_TMP/interposed")" -gt 30 ] || fail "only $(wc -l <"$FP_TMP/interposed") interposed names found"
grep -qx mmap "$FP_TMP/interposed" || fail "mmap is not among the interposed names"
grep -qx malloc "$FP_TMP/interposed" || fail "malloc is not among the interposed names"
n=0
for o in "$objs"/*/*.o; do
    case $o in "$objs"/interpose/*.o | "$objs"/core/libc.o) continue ;; esac
    n=$((n + 1))
    bad=$(nm -u "$o" | awk '{ print $2 }' | grep -xFf "$FP_TMP/interposed" || true)
    [ -z "$bad" ] || fail "${o##*/} calls interposed functions directly (use src/core/libc.h): $(echo $bad)"
done
[ "$n" -gt 20 ] || fail "only $n objects checked"
echo "$n objects: no interposed name outside the interposers and libc.o"

dump_events() { # SNAPSHOT: the dump's event lines, and its summary to stdout
    "$FP_CLI" dump "$1" >"$1.txt" || fail "dump of $1 failed"
    sed -n 's/^events: *//p' "$1.txt"
}

# Threads that burn CPU: each builds libunwind's trace cache on its first
# sample and frees it when it exits.
FLIGHTPROF_SNAPSHOT=$FP_TMP/threads.fr FLIGHTPROF_SNAPSHOT_ON=exit FLIGHTPROF_HZ=1000 \
    FLIGHTPROF_CPU=$FP_TMP/threads.pb.gz FLIGHTPROF_HEAP=$FP_TMP/threads-heap.pb.gz \
    FLIGHTPROF_MUTEX=$FP_TMP/threads-mutex.pb.gz \
    fp_run "$FP_PROGS/cpu_threads" 2 0.3 "$FP_TMP/report" || fail "cpu_threads failed"
summary=$(dump_events "$FP_TMP/threads.fr")
echo "cpu_threads: $summary"
grep -q 'cpu-sample' <<<"$summary" || fail "no CPU samples recorded"
if grep -E ' (mmap|munmap) ' "$FP_TMP/threads.fr.txt" | grep -E 'libunwind|libflightprof'; then
    fail "the snapshot shows flightprof's own mappings as the program's"
fi
if grep -E 'thread-name' "$FP_TMP/threads.fr.txt" | grep -F '"flightprof"'; then
    fail "the snapshot shows flightprof's thread being named"
fi

# Threads that are never named.
FLIGHTPROF_SNAPSHOT=$FP_TMP/mutex.fr FLIGHTPROF_SNAPSHOT_ON=exit \
    FLIGHTPROF_CPU=$FP_TMP/mutex.pb.gz FLIGHTPROF_MUTEX=$FP_TMP/mutex-mutex.pb.gz \
    fp_run "$FP_PROGS/mutex_contend" "$FP_TMP/mreport" || fail "mutex_contend failed"
summary=$(dump_events "$FP_TMP/mutex.fr")
echo "mutex_contend: $summary"
grep -q 'thread-start' <<<"$summary" || fail "no thread starts recorded"
if grep -q 'thread-name' <<<"$summary"; then
    grep 'thread-name' "$FP_TMP/mutex.fr.txt"
    fail "a program that names no thread has thread-name events"
fi
echo OK
