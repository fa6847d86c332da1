#!/bin/bash
# A small window (256 KiB) on an allocation-heavy run: the snapshot stays
# within the size bound plus a small header, keeps the newest events (each
# thread's last allocation) and reports the overwritten events per thread.
source "$FP_ROOT/tests/lib.sh"
if [ -n "$FP_SAN" ]; then
    # The sanitizer's malloc comes first in LD_PRELOAD: ours (which feeds
    # the recorder) is never called. tests/unit/test_ring covers the
    # buffers under the sanitizers.
    echo "skipped: no allocation events under the sanitizer runtime"
    exit 0
fi

mkdir -p "$FP_TMP/snaps"
FLIGHTPROF_SNAPSHOT="$FP_TMP/snaps/x-%n.fr" FLIGHTPROF_RECORDER_SIZE=256KiB \
    fp_run "$FP_PROGS/rec_stress" 2 20000 "$FP_TMP/snaps" 0 || fail "rec_stress failed"
f=$FP_TMP/snaps/final.fr
size=$(stat -c %s "$f")
echo "snapshot size: $size bytes"
# Header, mappings and thread table come on top of the events: a few KiB.
[ "$size" -le $((256 * 1024 + 32 * 1024)) ] || fail "snapshot is $size bytes, bound 256 KiB + header"
"$FP_CLI" dump "$f" >"$FP_TMP/dump" || fail "dump failed"
head -10 "$FP_TMP/dump"
# Whichever thread still has events in the window has its newest ones:
# sizes are 16 + i for i < 20000, so its largest is 20015.
present=0
for k in 0 1; do
    largest=$(awk -v who="^stress-$k\\(" '$2 ~ who && $3 == "malloc" { if ($4 + 0 > m) m = $4 + 0 } END { print m + 0 }' "$FP_TMP/dump")
    [ "$largest" = 0 ] && continue
    present=$((present + 1))
    [ "$largest" = 20015 ] || fail "stress-$k's newest mallocs are missing (largest kept: $largest)"
done
[ $present -ge 1 ] || fail "no malloc events kept"
for k in 0 1; do
    grep -Eq "^overwritten: [0-9]+ \(.*thread stress-$k\([0-9]+\) [1-9]" "$FP_TMP/dump" ||
        fail "no overwritten count for stress-$k"
done
# Its first allocations are long gone.
grep -Eq 'stress-0\([0-9]+\) +malloc +16 bytes' "$FP_TMP/dump" && fail "the oldest events were kept"
echo OK
