#!/bin/bash
# Eight threads allocate and contend while snapshots are taken: every
# snapshot decodes (dump validates every event), each thread's events are
# in time order, and its allocation sizes (which grow by one per
# iteration) never go backwards: no torn, misplaced or duplicated events.
source "$FP_ROOT/tests/lib.sh"
if [ -n "$FP_SAN" ]; then
    # The sanitizer's malloc comes first in LD_PRELOAD: ours (which feeds
    # the recorder) is never called. tests/unit/test_ring covers the
    # buffers under the sanitizers.
    echo "skipped: no allocation events under the sanitizer runtime"
    exit 0
fi

check_order() { # DUMP
    awk '
        $2 ~ /^stress-[0-9]+\(/ {
            t = $1 + 0; who = $2
            if ((who in last_t) && t < last_t[who]) { print "time goes back for " who ": " $0; bad = 1 }
            last_t[who] = t
            if ($3 == "malloc") {
                size = $4 + 0
                if ((who in last_size) && size <= last_size[who]) { print "size order broken for " who ": " $0; bad = 1 }
                last_size[who] = size; mallocs++
            }
        }
        END { if (mallocs == 0) { print "no malloc events"; bad = 1 } exit bad }' "$1"
}

mkdir -p "$FP_TMP/snaps"
FLIGHTPROF_SNAPSHOT="$FP_TMP/snaps/unused-%n.fr" fp_run "$FP_PROGS/rec_stress" 8 40000 "$FP_TMP/snaps" 6 ||
    fail "rec_stress failed"
for f in "$FP_TMP"/snaps/live-{1..6}.fr "$FP_TMP/snaps/final.fr"; do
    "$FP_CLI" dump "$f" >"$f.txt" || fail "$f does not decode"
    check_order "$f.txt" || fail "$f: events out of order"
    threads=$(awk '$2 ~ /^stress-/ && $3 == "malloc" { seen[$2] = 1 } END { print length(seen) }' "$f.txt")
    [ "$threads" -ge 2 ] || fail "$f: mallocs of $threads threads only"
done
sed -n 1,12p "$FP_TMP/snaps/live-3.fr.txt"
grep -q '^overwritten: [1-9]' "$FP_TMP/snaps/final.fr.txt" || fail "the final snapshot reports nothing overwritten"
echo OK
