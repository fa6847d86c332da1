#!/bin/bash
# /metrics: an exposition promtool passes, with the values the kernel
# reports for the program (one thread, in nanosleep; its descriptor limit; a
# start time of now) and, for a busy program, what the collectors counted
# (its 64 blocks of 64 KiB in use, lock contention, CPU samples once a
# profile was asked for); threads parked in a lock, a condition variable, a
# join, a semaphore, a barrier, a sleep and a poll counted by those states;
# a real Prometheus server that scrapes both
# endpoints every second sees the targets up and reads the same values
# through its query API.
source "$FP_ROOT/tests/lib.sh"

prog=$FP_PROGS/http_host
command -v prometheus >/dev/null && command -v promtool >/dev/null || fail "prometheus is not installed"
FLIGHTPROF_LOG=$FP_TMP/log FLIGHTPROF_HTTP=127.0.0.1:0 fp_run "$prog" "$FP_TMP/stop" >"$FP_TMP/out" 2>"$FP_TMP/err" &
pid=$!
prom=
FLIGHTPROF_HEAP_RATE=4096 FLIGHTPROF_LOG=$FP_TMP/busy.log FLIGHTPROF_HTTP=127.0.0.1:0 \
    fp_run "$FP_PROGS/http_busy" "$FP_TMP/stop" >"$FP_TMP/busy.out" 2>"$FP_TMP/busy.err" &
busy=$!
prom=
trap 'touch "$FP_TMP/stop" "$FP_TMP/waits.stop"; [ -n "$prom" ] && kill "$prom" 2>/dev/null; wait 2>/dev/null || true' EXIT
announced() { # LOG
    for _ in $(seq 100); do grep -q serving "$1" 2>/dev/null && break; sleep 0.05; done
    sed -n 's#.*serving http://\([^/]*\)/.*#\1#p' "$1"
}
addr=$(announced "$FP_TMP/log")
[ -n "$addr" ] || fail "no serving line: $(cat "$FP_TMP/log" "$FP_TMP/err")"
busy_addr=$(announced "$FP_TMP/busy.log")
[ -n "$busy_addr" ] || fail "no serving line from http_busy: $(cat "$FP_TMP/busy.log" "$FP_TMP/busy.err")"

value() { awk -v n="$1" '$1 == n { print $2 }' "$FP_TMP/metrics"; }
# The program announces the endpoint before its main() runs: scrape until
# its one thread has reached its sleep.
for _ in $(seq 50); do
    curl -s -D "$FP_TMP/h" -o "$FP_TMP/metrics" --max-time 10 "http://$addr/metrics" || fail "GET /metrics"
    [ "$(value 'flightprof_threads{state="sleep"}')" = 1 ] && break
    sleep 0.1
done
grep -qi '^Content-Type: text/plain; version=0.0.4' "$FP_TMP/h" || fail "content type: $(cat "$FP_TMP/h")"
promtool check metrics <"$FP_TMP/metrics" || fail "promtool rejects the exposition"
[ "$(value process_threads)" = 1 ] || fail "process_threads $(value process_threads), not 1"
[ "$(value 'flightprof_threads{state="sleep"}')" = 1 ] || fail "the thread in nanosleep is not counted as in sleep"
[ "$(value process_max_fds)" = "$(ulimit -n)" ] || fail "process_max_fds $(value process_max_fds), ulimit $(ulimit -n)"
start=$(value process_start_time_seconds)
python3 -c "import sys, time; sys.exit(0 if abs(time.time() - float(sys.argv[1])) < 30 else 1)" "$start" ||
    fail "process_start_time_seconds $start is not about now"
[ "$(value process_open_fds)" -ge 3 ] || fail "process_open_fds $(value process_open_fds)"
[ "$(value flightprof_cpu_samples_total)" = 0 ] || fail "CPU samples with no profile asked for"

# The collectors' counts, from the busy program.
curl -s -o /dev/null --max-time 10 "http://$busy_addr/debug/pprof/profile?seconds=1" || fail "profile"
curl -s -o "$FP_TMP/metrics" --max-time 10 "http://$busy_addr/metrics" || fail "GET busy /metrics"
promtool check metrics <"$FP_TMP/metrics" || fail "promtool rejects the busy program's exposition"
# AddressSanitizer's allocator comes before the wrappers (t_heap_semantics).
heap_seen=yes
case "$FP_SAN" in 1 | address) heap_seen= ;; esac
[ -n "$(value flightprof_heap_inuse_bytes)" ] || fail "no flightprof_heap_inuse_bytes"
if [ -n "$heap_seen" ]; then
    blocks=$(awk '$1 == "flightprof_heap_inuse_bytes" { printf "%d", $2 / 65536 }' "$FP_TMP/metrics")
    assert_between "$blocks" 60 70 "flightprof_heap_inuse_bytes in 64 KiB blocks"
    [ "$(value flightprof_heap_allocated_objects_total | cut -d. -f1)" -gt 64 ] || fail "allocated objects"
fi
[ "$(value flightprof_lock_contentions_total | cut -d. -f1)" -gt 0 ] || fail "no lock contention counted"
[ "$(value flightprof_block_waits_total | cut -d. -f1)" -gt 0 ] || fail "no wait on synchronization counted"
python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) > 0 else 1)" "$(value flightprof_block_wait_seconds_total)" ||
    fail "flightprof_block_wait_seconds_total $(value flightprof_block_wait_seconds_total)"
python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) > 0 else 1)" "$(value flightprof_lock_wait_seconds_total)" ||
    fail "flightprof_lock_wait_seconds_total $(value flightprof_lock_wait_seconds_total)"
[ "$(value flightprof_cpu_samples_total)" -gt 20 ] || fail "flightprof_cpu_samples_total $(value flightprof_cpu_samples_total) after a 1 s profile"
[ -n "$(value flightprof_cpu_lost_samples_total)" ] || fail "no lost-samples counter"
! grep -q '^flightprof_recorder' "$FP_TMP/metrics" || fail "recorder metrics without the recorder"

# Threads parked in each wait the wrappers see, counted by it.
FLIGHTPROF_LOG=$FP_TMP/waits.log FLIGHTPROF_HTTP=127.0.0.1:0 \
    fp_run "$FP_PROGS/http_waits" "$FP_TMP/waits.stop" >"$FP_TMP/waits.out" 2>"$FP_TMP/waits.err" &
waits=$!
waits_addr=$(announced "$FP_TMP/waits.log")
[ -n "$waits_addr" ] || fail "no serving line from http_waits: $(cat "$FP_TMP/waits.log" "$FP_TMP/waits.err")"
all="lock cond join semaphore barrier sleep io"
for _ in $(seq 50); do
    curl -s -o "$FP_TMP/metrics" --max-time 10 "http://$waits_addr/metrics" || fail "GET http_waits' /metrics"
    parked=0
    for st in $all; do [ "$(value "flightprof_threads{state=\"$st\"}")" = 1 ] && parked=$((parked + 1)); done
    [ "$parked" = 7 ] && break
    sleep 0.1
done
for st in $all; do
    [ "$(value "flightprof_threads{state=\"$st\"}")" = 1 ] || fail "no thread counted in $st: $(grep flightprof_threads "$FP_TMP/metrics")"
done
[ "$(value process_threads)" = 7 ] || fail "http_waits: process_threads $(value process_threads), not 7"
promtool check metrics <"$FP_TMP/metrics" || fail "promtool rejects http_waits' exposition"
touch "$FP_TMP/waits.stop"
rc=0
wait "$waits" || rc=$?
[ "$rc" = 7 ] && [ "$(cat "$FP_TMP/waits.out")" = done ] || fail "http_waits: status $rc, output $(cat "$FP_TMP/waits.out")"

# A real Prometheus, scraping every second.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$FP_TMP/prometheus.yml" <<YML
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: fp
    static_configs:
      - targets: ['$addr', '$busy_addr']
YML
prometheus --config.file="$FP_TMP/prometheus.yml" --storage.tsdb.path="$FP_TMP/tsdb" \
    --web.listen-address="127.0.0.1:$port" >"$FP_TMP/prometheus.log" 2>&1 &
prom=$!
query() { # PROMQL: the first result's value, or nothing
    curl -s --max-time 5 "http://127.0.0.1:$port/api/v1/query" --data-urlencode "query=$1" |
        python3 -c 'import json, sys
r = json.load(sys.stdin).get("data", {}).get("result", [])
print(r[0]["value"][1] if r else "")' 2>/dev/null || true
}
up= threads= inuse=
for _ in $(seq 60); do
    up=$(query 'min(up{job="fp"})')
    threads=$(query "process_threads{instance=\"$addr\"}")
    inuse=$(query "flightprof_heap_inuse_bytes{instance=\"$busy_addr\"}")
    [ "$up" = 1 ] && [ "$threads" = 1 ] && [ -n "$inuse" ] && break
    sleep 0.5
done
[ "$up" = 1 ] || { tail -5 "$FP_TMP/prometheus.log" >&2; fail "Prometheus does not see the target up (up=$up)"; }
[ "$threads" = 1 ] || fail "Prometheus reads process_threads=$threads"
[ -z "$heap_seen" ] ||
    assert_between "$(python3 -c "print(int(float('${inuse:-0}') / 65536))")" 60 70 "flightprof_heap_inuse_bytes through Prometheus (blocks)"
touch "$FP_TMP/stop"
rc=0
wait "$pid" || rc=$?
[ "$rc" = 7 ] || fail "the program's exit status is $rc, not 7"
rc=0
wait "$busy" || rc=$?
[ "$rc" = 7 ] || fail "http_busy's exit status is $rc, not 7"
