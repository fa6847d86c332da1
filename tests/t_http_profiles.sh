#!/bin/bash
# The endpoint's profiles, read back by google/pprof's own parser
# (CheckValid) and go tool pprof: profile?seconds=N with nothing else
# configured (two overlapping requests and a heap scrape at once), heap,
# allocs and mutex now and as deltas, with Go's headers and errors; a
# client that leaves mid-window gives the sampler back (no timer is left);
# with FLIGHTPROF_CPU running too, a window holds only its own samples.
# The program's output and exit status do not change and its nanosleep is
# never interrupted.
source "$FP_ROOT/tests/lib.sh"

source "$FP_ROOT/tests/http_lib.sh"

# Checks FILE with pprofcheck; its facts go to FILE.facts.
valid() { # FILE
    "$FP_PPROFCHECK" "$1" >"$1.facts" || fail "$1 is not a valid profile"
    pprof -top "$1" >/dev/null
}
fact() { # FILE KEY... (the rest of the line after them)
    local f=$1
    shift
    awk -v key="$*" 'index($0, key " ") == 1 { print substr($0, length(key) + 2); found = 1; exit }
                     END { if (!found) print "" }' "$f.facts"
}
cum() { # FILE TYPE FUNCTION
    awk -v t="$2" -v fn="$3" '$1 == "cum" && $2 == t && $4 == fn { print $3; found = 1; exit }
                              END { if (!found) print 0 }' "$1.facts"
}
timers() { grep -c '^ID:' "/proc/$pid/timers" 2>/dev/null || true; }

# ---- the endpoint alone: heap and mutex on at their defaults (the heap
# at every 4 KiB here, so that each of the program's 64 KiB blocks is
# sampled and in-use bytes are exact) ----
FLIGHTPROF_HEAP_RATE=4096 serve alone
[ "$(timers)" = 0 ] || fail "a timer exists before any profile request: $(cat /proc/$pid/timers)"

get "$base/profile?seconds=3" p1 >p1.status &
first=$!
sleep 1
get "$base/profile?seconds=3" p2 >p2.status &
second=$!
[ "$(timers)" -gt 0 ] || fail "no CPU timer while a window is open"
[ "$(get "$base/heap" heap)" = 200 ] || fail "heap status: $(cat heap)"
wait "$first" "$second"
for p in p1 p2; do
    [ "$(cat $p.status)" = 200 ] || fail "$p status $(cat $p.status): $(cat $p)"
    [ "$(header Content-Type $p)" = application/octet-stream ] || fail "$p content type"
    [ "$(header Content-Disposition $p)" = 'attachment; filename="profile"' ] || fail "$p disposition"
    valid $p
    [ "$(fact $p type)" = samples/count ] || fail "$p types: $(grep ^type $p.facts)"
    d=$(fact $p duration_nanos)
    assert_between "$((d / 1000000))" 2900 4000 "$p duration (ms)"
    total=$(fact $p total samples)
    burn=$(cum $p samples burn_cpu)
    [ "$total" -ge 50 ] || fail "$p: only $total samples in 3 s of two busy threads"
    [ $((burn * 100 / total)) -ge 50 ] || fail "$p: burn_cpu has $burn of $total samples"
done
sleep 0.5
[ "$(timers)" = 0 ] || fail "timers left once every window closed: $(cat /proc/$pid/timers)"

valid heap
[ "$(header Content-Disposition heap)" = 'attachment; filename="heap"' ] || fail "heap disposition"
[ "$(grep ^type heap.facts | tr '\n' ' ')" = \
  "type alloc_objects/count type alloc_space/bytes type inuse_objects/count type inuse_space/bytes " ] ||
    fail "heap types: $(grep ^type heap.facts)"
[ "$(fact heap default)" = inuse_space ] || fail "heap default type"
# AddressSanitizer's allocator comes before the wrappers: no allocation
# is seen under it (t_heap_semantics), so only the values wait for a
# build without it.
heap_seen=yes
case "$FP_SAN" in 1 | address) heap_seen= ;; esac
if [ -n "$heap_seen" ]; then
    inuse=$(cum heap inuse_space alloc_retained)
    assert_between "$((inuse / 65536))" 60 65 "in-use 64 KiB blocks of alloc_retained"
fi

[ "$(get "$base/allocs" allocs)" = 200 ] || fail "allocs status"
valid allocs
[ "$(fact allocs default)" = alloc_space ] || fail "allocs default type"
[ "$(header Content-Disposition allocs)" = 'attachment; filename="allocs"' ] || fail "allocs disposition"

# Deltas: the allocations of those two seconds only (at most one a
# millisecond), in-use nearly unchanged (the program keeps 64 blocks).
[ "$(get "$base/allocs?seconds=2" delta)" = 200 ] || fail "allocs delta status: $(cat delta)"
valid delta
[ "$(header Content-Disposition delta)" = 'attachment; filename="allocs-delta"' ] || fail "delta disposition"
d=$(fact delta duration_nanos)
assert_between "$((d / 1000000))" 1950 2500 "allocs delta duration (ms)"
if [ -n "$heap_seen" ]; then
    n=$(cum delta alloc_objects alloc_retained)
    assert_between "$n" 50 2100 "allocations in the 2 s delta"
    blocks=$(( $(cum delta inuse_space alloc_retained) / 65536 ))
    assert_between "${blocks#-}" 0 2 "in-use change of the delta (blocks)"
fi

[ "$(get "$base/mutex" mutex)" = 200 ] || fail "mutex status"
valid mutex
[ "$(grep ^type mutex.facts | tr '\n' ' ')" = "type contentions/count type delay/nanoseconds " ] ||
    fail "mutex types: $(grep ^type mutex.facts)"
[ "$(cum mutex contentions contend_lock)" -gt 0 ] || fail "no contention in contend_lock"
[ "$(get "$base/mutex?seconds=1" mdelta)" = 200 ] || fail "mutex delta status"
valid mdelta
[ "$(header Content-Disposition mdelta)" = 'attachment; filename="mutex-delta"' ] || fail "mutex delta disposition"
ms=$(( $(cum mdelta delay contend_lock) / 1000000 ))
assert_between "$ms" 50 2100 "lock wait in a 1 s delta of two threads (ms)"

# debug=1: Go's legacy texts, read by go tool pprof over HTTP (which
# symbolizes them through /debug/pprof/symbol, POSTing the addresses).
[ "$(get "$base/heap?debug=1" heap.txt)" = 200 ] || fail "heap debug=1 status"
[[ $(header Content-Type heap.txt) == text/plain* ]] || fail "heap debug=1 content type"
head -1 heap.txt | grep -Eqx 'heap profile: [0-9]+: [0-9]+ \[[0-9]+: [0-9]+\] @ heap_v2/1' ||
    fail "heap debug=1 header: $(head -1 heap.txt)"
if [ -n "$heap_seen" ]; then
    grep -Pq '^#\t0x[0-9a-f]+\talloc_retained\t.*http_busy\.c:[0-9]+$' heap.txt ||
        fail "heap debug=1 has no alloc_retained frame: $(head -5 heap.txt)"
    pprof -top -sample_index=alloc_space "$base/allocs?debug=1" >top.txt
    grep -q ' alloc_retained$' top.txt || fail "go tool pprof reads no alloc_retained from allocs?debug=1: $(cat top.txt)"
fi
[ "$(get "$base/mutex?debug=1" mutex.txt)" = 200 ] || fail "mutex debug=1 status"
[ "$(head -3 mutex.txt | tr '\n' ' ')" = "--- mutex: cycles/second=1000000000 sampling period=1 " ] ||
    fail "mutex debug=1 header: $(head -3 mutex.txt)"
grep -Pq '^#\t0x[0-9a-f]+\tcontend_lock\t.*http_busy\.c:[0-9]+$' mutex.txt ||
    fail "mutex debug=1 has no contend_lock frame: $(head -5 mutex.txt)"
pprof -top "$base/mutex?debug=1" >top.txt
grep -q ' contend_lock$' top.txt || fail "go tool pprof reads no contend_lock from mutex?debug=1: $(cat top.txt)"

# block: on with the endpoint alone; the program's lock waits are waits on
# synchronization, its nanosleeps are not.
[ "$(get "$base/block" block)" = 200 ] || fail "block status: $(cat block)"
valid block
[ "$(header Content-Disposition block)" = 'attachment; filename="block"' ] || fail "block disposition"
[ "$(grep ^type block.facts | tr '\n' ' ')" = "type contentions/count type delay/nanoseconds " ] ||
    fail "block types: $(grep ^type block.facts)"
[ "$(cum block delay contend_lock)" -gt 0 ] || fail "no lock wait of contend_lock in the block profile"
[ "$(cum block delay pause_ns)" = 0 ] || fail "a nanosleep is in the block profile"
[ "$(get "$base/block?seconds=1" bdelta)" = 200 ] || fail "block delta status"
valid bdelta
[ "$(get "$base/block?debug=1" block.txt)" = 200 ] || fail "block debug=1 status"
[ "$(head -2 block.txt | tr '\n' ' ')" = "--- contention: cycles/second=1000000000 " ] ||
    fail "block debug=1 header: $(head -2 block.txt)"
pprof -top "$base/block?debug=1" >top.txt
grep -q ' contend_lock$' top.txt || fail "go tool pprof reads no contend_lock from block?debug=1: $(cat top.txt)"

# threadcreate: the program's five threads, all created by main.
[ "$(get "$base/threadcreate" tc)" = 200 ] || fail "threadcreate status: $(cat tc)"
valid tc
[ "$(fact tc type)" = threadcreate/count ] || fail "threadcreate type: $(grep ^type tc.facts)"
[ "$(cum tc threadcreate main)" = 5 ] || fail "threadcreate: main created $(cum tc threadcreate main), not 5"
[ "$(get "$base/threadcreate?debug=1" tc.txt)" = 200 ] || fail "threadcreate debug=1 status"
[ "$(head -1 tc.txt)" = "threadcreate profile: total 5" ] || fail "threadcreate debug=1 header: $(head -1 tc.txt)"

# symbol: Go's answers to GET and POST; what is not an address is skipped.
[ "$(get "$base/symbol" sym)" = 200 ] || fail "symbol status"
[ "$(cat sym)" = "num_symbols: 1" ] || fail "symbol without addresses: $(cat sym)"
addr=$(grep -P '^#\t0x[0-9a-f]+\tcontend_lock\t' mutex.txt | head -1 | cut -f2)
[ "$(get "$base/symbol?$addr+nonsense+0+$addr" sym)" = 200 ] || fail "symbol GET status"
[ "$(cat sym)" = "$(printf 'num_symbols: 1\n%s contend_lock\n%s contend_lock' "$addr" "$addr")" ] ||
    fail "symbol GET: $(cat sym)"
[ "$(get "$base/symbol" sym --data-binary "$addr")" = 200 ] || fail "symbol POST status"
[ "$(sed -n 2p sym)" = "$addr contend_lock" ] || fail "symbol POST: $(cat sym)"

# The index: each profile with its count, linked to its text.
[ "$(get "$base/" index)" = 200 ] || fail "index status"
grep -Eq '<tr><td>[1-9][0-9]*</td><td><a href="mutex\?debug=1">mutex</a>' index || fail "index mutex row: $(cat index)"
grep -Eq '<tr><td>[0-9]+</td><td><a href="heap\?debug=1">heap</a>' index || fail "index heap row: $(cat index)"
grep -q '<a href="profile">profile</a>' index || fail "index has no profile link"
grep -Eq '<tr><td>[1-9][0-9]*</td><td><a href="block\?debug=1">block</a>' index || fail "index block row: $(cat index)"

# Go's errors, in Go's words.
[ "$(get "$base/heap?seconds=0" e)" = 400 ] || fail "seconds=0 status"
[ "$(cat e)" = 'invalid value for "seconds" - must be a positive integer' ] || fail "seconds=0 text: $(cat e)"
[ "$(header X-Go-Pprof e)" = 1 ] || fail "no X-Go-Pprof on an error"
# A seconds value too long to be a number is invalid too; an empty one is
# none (Go's r.FormValue("seconds") == "").
[ "$(get "$base/heap?seconds=123456789012345678901234567890" e)" = 400 ] || fail "long seconds status"
[ "$(cat e)" = 'invalid value for "seconds" - must be a positive integer' ] || fail "long seconds text: $(cat e)"
[ "$(get "$base/heap?seconds=" e)" = 200 ] || fail "empty seconds status"
[ "$(header Content-Disposition e)" = 'attachment; filename="heap"' ] || fail "empty seconds is not the profile now"
[ "$(get "$base/heap?seconds=1&debug=1" e)" = 400 ] || fail "seconds with debug status"
[ "$(cat e)" = 'seconds and debug params are incompatible' ] || fail "seconds with debug text: $(cat e)"
[ "$(get "$base/profile?seconds=4000" e)" = 400 ] || fail "seconds over the limit status"

# A client that leaves mid-window: its window closes, the sampler stops.
get "$base/profile?seconds=5" gone --max-time 1 >/dev/null || true
sleep 0.5
[ "$(timers)" = 0 ] || fail "a departed client's window holds the sampler: $(cat /proc/$pid/timers)"
[ "$(get "$base/profile?seconds=1" p3)" = 200 ] || fail "profile after a departed client"
valid p3
finish alone

# ---- with FLIGHTPROF_CPU running since the start: the window holds the
# samples of its own second, not the program's first ones ----
FLIGHTPROF_CPU=$FP_TMP/cpu.pb.gz serve both
sleep 3
[ "$(get "$base/profile?seconds=1" w)" = 200 ] || fail "window status with FLIGHTPROF_CPU"
valid w
d=$(fact w duration_nanos)
assert_between "$((d / 1000000))" 950 1500 "window duration with FLIGHTPROF_CPU (ms)"
[ "$(fact w total samples)" -le 300 ] || fail "a 1 s window has $(fact w total samples) samples of 2 CPUs"
finish both
valid cpu.pb.gz
[ "$(fact cpu.pb.gz total samples)" -gt "$(fact w total samples)" ] || fail "the file profile lost the window's samples"
