#!/bin/bash
# The flight recorder over the endpoint: /debug/flightrecorder answers the
# window now, /debug/pprof/trace?seconds=N (decimal, Go's default of 1)
# the events of the N seconds after the request and nothing older; both
# are snapshot files that `flightprof dump` and `convert` read, with
# trigger http, and neither writes a file or takes a sequence number (the
# exit snapshot is still #1). A client that leaves mid-trace costs
# nothing. /metrics counts the snapshots served and the events by kind
# (at least what a window holds, never going back). With the recorder off
# both paths answer Go's 500 naming
# FLIGHTPROF_SNAPSHOT. The program's output and exit status do not change
# and its nanosleep is never interrupted.
source "$FP_ROOT/tests/lib.sh"
source "$FP_ROOT/tests/http_lib.sh"

# AddressSanitizer's allocator comes before the wrappers: no allocation
# is recorded under it (t_heap_semantics).
allocs_seen=yes
case "$FP_SAN" in 1 | address) allocs_seen= ;; esac
dump() { "$FP_CLI" dump "$1" >"$1.dump" || fail "flightprof dump $1 failed"; }
line() { sed -n "s/^$1: *//p" "$2.dump" | head -1; } # FIELD FILE
window_ms() { line window "$1" | awk '{ printf "%d\n", $1 }'; }

FLIGHTPROF_SNAPSHOT=$FP_TMP/snap-%n.fr FLIGHTPROF_SNAPSHOT_ON=exit serve rec
sleep 2 # a window of 2 s of events before the trace request

[ "$(get "$base/../flightrecorder" fr)" = 200 ] || fail "flightrecorder status: $(cat fr)"
[ "$(header Content-Type fr)" = application/octet-stream ] || fail "flightrecorder content type"
[ "$(header Content-Disposition fr)" = 'attachment; filename="flightrecorder"' ] ||
    fail "flightrecorder disposition"
dump fr
[ "$(line trigger fr)" = http ] || fail "flightrecorder trigger: $(line trigger fr)"
[ "$(line snapshot fr | sed 's/.*(format version 1, \(#[0-9]*\))/\1/')" = '#0' ] ||
    fail "an HTTP snapshot took a sequence number: $(line snapshot fr)"
[ "$(window_ms fr)" -ge 1500 ] || fail "flightrecorder window $(window_ms fr) ms of a 2 s old program"
[ -z "$allocs_seen" ] || grep -q 'alloc_retained' fr.dump || fail "no allocation of alloc_retained in the window"
grep -q 'mutex-wait' fr.dump || fail "no mutex wait in the window"
"$FP_CLI" convert fr -f chrome -o fr.json || fail "flightprof convert failed"
python3 "$FP_ROOT/tests/check_chrome_trace.py" fr.json >/dev/null || fail "converted trace is invalid"

# The next second only: nothing from the two before, nothing counted as
# aged out for not being asked for.
start=$(date +%s%N)
[ "$(get "$base/trace?seconds=1" tr)" = 200 ] || fail "trace status: $(cat tr)"
took=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$took" -ge 950 ] || fail "trace?seconds=1 answered after $took ms"
[ "$(header Content-Disposition tr)" = 'attachment; filename="trace"' ] || fail "trace disposition"
dump tr
[ "$(line trigger tr)" = http ] || fail "trace trigger"
# (Events from before the request would make it 3 s or more.)
assert_between "$(window_ms tr)" 500 2500 "trace window (ms)"
line dropped tr | grep -q ', 0 older than the age bound' || fail "trace: $(line dropped tr)"
grep -q 'mutex-wait' tr.dump || fail "no mutex wait in the trace"

# Decimal seconds, as Go's ParseFloat; a bad value is Go's one second.
[ "$(get "$base/trace?seconds=0.3" short)" = 200 ] || fail "trace?seconds=0.3 status"
dump short
assert_between "$(window_ms short)" 100 1500 "trace?seconds=0.3 window (ms)"
start=$(date +%s%N)
[ "$(get "$base/trace?seconds=soon" bad)" = 200 ] || fail "trace?seconds=soon status"
assert_between "$(( ($(date +%s%N) - start) / 1000000 ))" 950 5000 "trace?seconds=soon time (ms)"
[ "$(get "$base/trace?seconds=3601" long)" = 400 ] || fail "trace?seconds=3601 status $(cat long)"
[ "$(header X-Go-Pprof long)" = 1 ] || fail "400 without X-Go-Pprof"

# A client that leaves mid-trace: the server answers the next at once.
curl -s -o /dev/null --max-time 0.3 "$base/trace?seconds=5" || true
[ "$(get "$base/../flightrecorder" again --max-time 3)" = 200 ] || fail "no answer after a client left"

# The recorder's metrics: snapshots served counted, events by kind, each
# total at least what a window taken before it holds and never going
# back.
[ "$(get "$base/../../metrics" m1)" = 200 ] || fail "metrics status"
promtool check metrics <m1 || fail "promtool rejects the exposition"
metric() { awk -v n="$1" '$1 == n { print $2 }' "$2"; } # NAME FILE
snaps=$(metric flightprof_recorder_snapshots_total m1)
assert_between "$snaps" 5 5 "flightprof_recorder_snapshots_total after five served"
[ "$(metric 'flightprof_recorder_events_total{kind="thread-start"}' m1)" = 5 ] ||
    fail "thread_start events: $(grep thread-start m1)"
dump again
window=$(line events again | awk '{ print $1 }')
total=$(awk '$1 ~ /^flightprof_recorder_events_total/ { n += $2 } END { print n }' m1)
[ "$total" -ge "$window" ] || fail "events counted ($total) fewer than a window before holds ($window)"
for kind in wait lock-wait; do
    [ "$(metric "flightprof_recorder_events_total{kind=\"$kind\"}" m1)" -gt 0 ] || fail "no $kind events counted"
done
[ -z "$allocs_seen" ] || [ "$(metric 'flightprof_recorder_events_total{kind="alloc"}' m1)" -gt 0 ] ||
    fail "no alloc events counted"
sleep 0.2
get "$base/../../metrics" m2 >/dev/null
grep '^flightprof_recorder_events_total' m1 | while read -r name n; do
    [ "$(metric "$name" m2)" -ge "$n" ] || fail "$name went back from $n to $(metric "$name" m2)"
done
[ "$(metric 'flightprof_recorder_events_total{kind="wait"}' m2)" -gt \
  "$(metric 'flightprof_recorder_events_total{kind="wait"}' m1)" ] || fail "wait events did not grow"

finish rec
# HTTP snapshots took no sequence number: the exit snapshot is #1, and
# the only file.
[ "$(echo snap-*)" = snap-1.fr ] || fail "snapshot files: $(echo snap-*)"

# The recorder off: Go's 500 naming what turns it on, for both paths.
serve off
for path in ../flightrecorder trace; do
    [ "$(get "$base/$path" off)" = 500 ] || fail "$path with the recorder off: status $(cat off)"
    [ "$(header X-Go-Pprof off)" = 1 ] || fail "$path: 500 without X-Go-Pprof"
    grep -q FLIGHTPROF_SNAPSHOT off || fail "$path: the 500 does not name FLIGHTPROF_SNAPSHOT: $(cat off)"
done
[ "$(get "$base/" index)" = 200 ] || fail "index status"
grep -q '<td>off</td><td>trace</td>' index || fail "the index does not show trace off"
finish off
