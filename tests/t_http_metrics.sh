#!/bin/bash
# /metrics: an exposition promtool passes, with the values the kernel
# reports for the program (one thread, sleeping; its descriptor limit; a
# start time of now), and a real Prometheus server that scrapes the
# endpoint every second sees the target up and reads the same values
# through its query API.
source "$FP_ROOT/tests/lib.sh"

prog=$FP_PROGS/http_host
command -v prometheus >/dev/null && command -v promtool >/dev/null || fail "prometheus is not installed"
FLIGHTPROF_LOG=$FP_TMP/log FLIGHTPROF_HTTP=127.0.0.1:0 fp_run "$prog" "$FP_TMP/stop" >"$FP_TMP/out" 2>"$FP_TMP/err" &
pid=$!
prom=
trap 'touch "$FP_TMP/stop"; [ -n "$prom" ] && kill "$prom" 2>/dev/null; wait 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q serving "$FP_TMP/log" 2>/dev/null && break; sleep 0.05; done
addr=$(sed -n 's#.*serving http://\([^/]*\)/.*#\1#p' "$FP_TMP/log")
[ -n "$addr" ] || fail "no serving line: $(cat "$FP_TMP/log" "$FP_TMP/err")"

curl -s -D "$FP_TMP/h" -o "$FP_TMP/metrics" --max-time 10 "http://$addr/metrics" || fail "GET /metrics"
grep -qi '^Content-Type: text/plain; version=0.0.4' "$FP_TMP/h" || fail "content type: $(cat "$FP_TMP/h")"
promtool check metrics <"$FP_TMP/metrics" || fail "promtool rejects the exposition"
value() { awk -v n="$1" '$1 == n { print $2 }' "$FP_TMP/metrics"; }
[ "$(value process_threads)" = 1 ] || fail "process_threads $(value process_threads), not 1"
[ "$(value 'flightprof_threads{state="sleeping"}')" = 1 ] || fail "the sleeping thread is not counted"
[ "$(value process_max_fds)" = "$(ulimit -n)" ] || fail "process_max_fds $(value process_max_fds), ulimit $(ulimit -n)"
start=$(value process_start_time_seconds)
python3 -c "import sys, time; sys.exit(0 if abs(time.time() - float(sys.argv[1])) < 30 else 1)" "$start" ||
    fail "process_start_time_seconds $start is not about now"
[ "$(value process_open_fds)" -ge 3 ] || fail "process_open_fds $(value process_open_fds)"

# A real Prometheus, scraping every second.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$FP_TMP/prometheus.yml" <<YML
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: fp
    static_configs:
      - targets: ['$addr']
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
up= threads=
for _ in $(seq 60); do
    up=$(query 'up{job="fp"}')
    threads=$(query 'process_threads{job="fp"}')
    [ "$up" = 1 ] && [ "$threads" = 1 ] && break
    sleep 0.5
done
[ "$up" = 1 ] || { tail -5 "$FP_TMP/prometheus.log" >&2; fail "Prometheus does not see the target up (up=$up)"; }
[ "$threads" = 1 ] || fail "Prometheus reads process_threads=$threads"
touch "$FP_TMP/stop"
rc=0
wait "$pid" || rc=$?
[ "$rc" = 7 ] || fail "the program's exit status is $rc, not 7"
