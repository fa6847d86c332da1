#!/bin/bash
# The live endpoint's frame (FLIGHTPROF_HTTP): it binds what it is told,
# says where in one line, answers Go's paths and errors as net/http/pprof
# does, checks the bearer token, survives garbage, keeps to loopback and to
# descriptors of its own, and changes nothing of the program: its output,
# exit status, descriptor numbers, and a fork child that holds no socket.
source "$FP_ROOT/tests/lib.sh"

prog=$FP_PROGS/http_host
pids=()
# On any exit every program started is killed, and its fp_run shell: the
# shell alone would leave the program running.
trap 'for p in "${pids[@]}"; do pkill -P "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done' EXIT

# Starts the program with the endpoint at $1 (more FLIGHTPROF_* from the
# caller's environment); sets $url from the announced address.
serve() { # ADDR NAME [fork]
    local log=$FP_TMP/$2.log
    FLIGHTPROF_LOG=$log FLIGHTPROF_HTTP=$1 fp_run "$prog" "$FP_TMP/$2.stop" ${3:-} \
        >"$FP_TMP/$2.out" 2>"$FP_TMP/$2.err" &
    pids+=($!)
    echo $! >"$FP_TMP/$2.pid"
    for _ in $(seq 100); do
        grep -q 'serving' "$log" 2>/dev/null && break
        sleep 0.05
    done
    grep -q 'serving' "$log" 2>/dev/null || { cat "$log" "$FP_TMP/$2.err" >&2 || true; fail "$2: no serving line"; }
    url=$(sed -n 's/.*serving \(http:[^ ]*\)debug\/pprof\/$/\1/p' "$log" | head -1)
}

# Ends program NAME and checks that it behaved as it does plain.
finish() { # NAME
    touch "$FP_TMP/$1.stop"
    local rc=0
    wait "$(cat "$FP_TMP/$1.pid")" || rc=$?
    [ "$rc" = 7 ] || { cat "$FP_TMP/$1.err" >&2; fail "$1: exit status $rc, not 7"; }
    grep -qx 'first fd 3' "$FP_TMP/$1.out" || fail "$1: the program's descriptors moved: $(cat "$FP_TMP/$1.out")"
    ! grep -v '^flightprof: ' "$FP_TMP/$1.err" | grep -q . || fail "$1: unexpected stderr: $(cat "$FP_TMP/$1.err")"
}

# status CODE of GET URL, headers in $FP_TMP/h, body in $FP_TMP/b.
get() { # URL [curl args...]
    local u=$1
    shift
    curl -s -o "$FP_TMP/b" -D "$FP_TMP/h" -w '%{http_code}' --max-time 10 "$@" "$u"
}
header() { grep -i "^$1:" "$FP_TMP/h" | tr -d '\r' | cut -d' ' -f2-; }

serve 127.0.0.1:0 main fork
[[ $url == http://127.0.0.1:* ]] || fail "announced $url"
base=${url}debug/pprof

[ "$(get "$base/")" = 200 ] || fail "index: $(cat "$FP_TMP/b")"
[[ $(header Content-Type) == text/html* ]] || fail "index content type: $(header Content-Type)"
grep -q 'href="cmdline"' "$FP_TMP/b" || fail "the index does not link cmdline"

[ "$(get "$base/cmdline")" = 200 ] || fail "cmdline status"
printf '%s\0%s\0%s' "$prog" "$FP_TMP/main.stop" fork | cmp -s - "$FP_TMP/b" ||
    fail "cmdline is not argv joined by NUL: $(od -c "$FP_TMP/b" | head -3)"

[ "$(get "$base/no-such-profile")" = 404 ] || fail "unknown profile status"
[ "$(cat "$FP_TMP/b")" = "Unknown profile" ] || fail "unknown profile body: $(cat "$FP_TMP/b")"
[ "$(header X-Go-Pprof)" = 1 ] || fail "no X-Go-Pprof: 1 on an error"
[[ $(header Content-Type) == text/plain* ]] || fail "error content type"
[ "$(get "${url}elsewhere")" = 404 ] || fail "a path outside /debug/pprof/ is not 404"
[ "$(get "$base/cmdline" -X DELETE)" = 405 ] || fail "DELETE is not 405"
[ "$(get "$base")" = 301 ] && [ "$(header Location)" = /debug/pprof/ ] || fail "/debug/pprof does not redirect"
[ "$(get "$base/cmdline" -I)" = 200 ] && ! grep -q http_host "$FP_TMP/b" && [ "$(header Content-Length)" -gt 0 ] ||
    fail "HEAD: $(cat "$FP_TMP/h")"
# Keep-alive: a second request on the same connection, and two pipelined.
[ "$(curl -s -o /dev/null -o /dev/null -w '%{num_connects} ' "$base/cmdline" "$base/")" = "1 0 " ] ||
    fail "the connection is not reused"
python3 - "${url#http://}" <<'PY' || fail "pipelined requests"
import socket, sys
h, p = sys.argv[1].rstrip("/").rsplit(":", 1)
s = socket.create_connection((h, int(p)), timeout=5)
s.sendall(b"GET /debug/pprof/cmdline HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nConnection: close\r\n\r\n")
data = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
sys.exit(0 if data.startswith(b"HTTP/1.1 200 ") and b"HTTP/1.1 404 " in data else 1)
PY

# Garbage, a truncated request, an oversized header, silent connections
# and a client that sends a byte at a time, 200 connections held at once:
# a good client is answered all the while.
host=${url#http://}
host=${host%/}
python3 - "${host%:*}" "${host##*:}" <<'PY' || fail "not answering a good client under a flood"
import socket, sys, time, urllib.request
h, p = sys.argv[1], int(sys.argv[2])
def conn(data):
    s = socket.create_connection((h, p), timeout=5)
    s.sendall(data)
    return s
held = [conn(b"\x00\xff garbage \r\n\r\n"), conn(b"GET /debug/pprof/ HT"),
        conn(b"GET / HTTP/1.1\r\nX: " + b"a" * 200000 + b"\r\n\r\n")]
while len(held) < 200:
    held.append(conn(b"GET /debug/pprof/cmdline HTTP/1.1\r\nHost: x\r\n"))
slow = conn(b"G")
for b in b"ET /debug/pprof/cmdline HTTP/1.1\r\n":
    time.sleep(0.01)
    slow.sendall(bytes([b]))
with urllib.request.urlopen(f"http://{h}:{p}/debug/pprof/cmdline", timeout=10) as r:
    sys.exit(0 if r.status == 200 else 1)
PY
[ "$(get "$base/cmdline")" = 200 ] || fail "not answering after the flood"
finish main
grep -qx 'child sockets 0' "$FP_TMP/main.out" || fail "the fork child holds sockets: $(cat "$FP_TMP/main.out")"

# The bearer token.
FLIGHTPROF_HTTP_TOKEN=s3cret serve 127.0.0.1:0 token
[ "$(get "${url}debug/pprof/cmdline")" = 401 ] || fail "no token is not 401"
[ "$(get "${url}debug/pprof/cmdline" -H 'Authorization: Bearer wrong')" = 401 ] || fail "a wrong token is not 401"
[ "$(get "${url}debug/pprof/cmdline" -H 'Authorization: Bearer s3cret')" = 200 ] || fail "the right token is refused"
finish token

# A unix socket, the user's alone.
serve "unix:$FP_TMP/sock" unix
[ "$(stat -c %a "$FP_TMP/sock")" = 600 ] || fail "the socket's mode is $(stat -c %a "$FP_TMP/sock")"
[ "$(get http://x/debug/pprof/cmdline --unix-socket "$FP_TMP/sock")" = 200 ] || fail "unix socket"
finish unix
[ ! -e "$FP_TMP/sock" ] || fail "the socket file is left behind at exit"
# and a second process can serve there next.
serve "unix:$FP_TMP/sock" unix2
finish unix2
# A socket file nobody listens on (its process was killed) is taken over;
# so is this process's own from before an exec, whose descriptor closed
# while its file stayed: the exec'd program serves there, as itself.
python3 -c 'import socket, sys; s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$FP_TMP/sock"
[ -S "$FP_TMP/sock" ] || fail "no stale socket made"
serve "unix:$FP_TMP/sock" stale
finish stale
FLIGHTPROF_LOG=$FP_TMP/exec.log FLIGHTPROF_HTTP="unix:$FP_TMP/sock" fp_run sh -c 'exec "$0" "$1"' \
    "$prog" "$FP_TMP/exec.stop" >"$FP_TMP/exec.out" 2>"$FP_TMP/exec.err" &
pids+=($!)
execd=$!
for _ in $(seq 100); do
    [ "$(get http://x/debug/pprof/cmdline --unix-socket "$FP_TMP/sock")" = 200 ] &&
        [ "$(tr '\0' ' ' <"$FP_TMP/b")" = "$prog $FP_TMP/exec.stop" ] && break
    sleep 0.05
done
[ "$(tr '\0' ' ' <"$FP_TMP/b")" = "$prog $FP_TMP/exec.stop" ] ||
    fail "the exec'd program does not serve on its socket: $(cat "$FP_TMP/exec.err" "$FP_TMP/b")"
! grep -q 'in use' "$FP_TMP/exec.err" || fail "exec: $(cat "$FP_TMP/exec.err")"
touch "$FP_TMP/exec.stop"
rc=0
wait "$execd" || rc=$?
[ "$rc" = 7 ] || fail "the exec'd program's exit status is $rc"
# Anything but a stale socket is left alone.
echo keep >"$FP_TMP/notsock"
rc=0
FLIGHTPROF_HTTP="unix:$FP_TMP/notsock" fp_run "$prog" /dev/null >/dev/null 2>"$FP_TMP/notsock.err" || rc=$?
[ "$rc" = 7 ] && [ "$(cat "$FP_TMP/notsock")" = keep ] && grep -q 'in use.*endpoint is off' "$FP_TMP/notsock.err" ||
    fail "a regular file at the socket path: status $rc, $(cat "$FP_TMP/notsock.err")"

# Bad settings: one line each, and the program runs as it would.
for bad in nonsense 127.0.0.1:99999 example.com:80 "unix:relative"; do
    rc=0
    FLIGHTPROF_HTTP=$bad fp_run "$prog" /dev/null >"$FP_TMP/bad.out" 2>"$FP_TMP/bad.err" || rc=$?
    [ "$rc" = 7 ] || fail "FLIGHTPROF_HTTP=$bad: exit status $rc"
    [ "$(wc -l <"$FP_TMP/bad.err")" = 1 ] && grep -q "^flightprof: FLIGHTPROF_HTTP=$bad: .*endpoint is off" "$FP_TMP/bad.err" ||
        fail "FLIGHTPROF_HTTP=$bad: $(cat "$FP_TMP/bad.err")"
done
# Beyond loopback: one warning, and it serves.
FLIGHTPROF_HTTP=0.0.0.0:0 fp_run "$prog" /dev/null >/dev/null 2>"$FP_TMP/wide.err" || true
grep -q '^flightprof: FLIGHTPROF_HTTP=0.0.0.0:0: listening beyond loopback.*FLIGHTPROF_HTTP_TOKEN' "$FP_TMP/wide.err" ||
    fail "no warning beyond loopback: $(cat "$FP_TMP/wide.err")"
# A port in use: the second process says so and runs on, and with nothing
# else asked for, nothing of flightprof's runs in it (the heap and mutex
# profiles were on only for the endpoint): no thread of its own.
serve 127.0.0.1:0 first
FLIGHTPROF_HTTP=127.0.0.1:$(echo "$url" | sed 's#.*:\([0-9]*\)/$#\1#') fp_run "$prog" "$FP_TMP/inuse.stop" \
    >"$FP_TMP/inuse.out" 2>"$FP_TMP/inuse.err" &
inuse=$!
pids+=($inuse)
for _ in $(seq 100); do grep -q 'in use' "$FP_TMP/inuse.err" && break; sleep 0.05; done
grep -q 'Address already in use.*endpoint is off' "$FP_TMP/inuse.err" || fail "port in use: $(cat "$FP_TMP/inuse.err")"
ipid=$(pgrep -n -f "^$prog $FP_TMP/inuse.stop\$") || fail "port in use: no process"
for _ in $(seq 10); do # the rest of its load follows that line
    ! grep -q '^flightprof' /proc/"$ipid"/task/*/comm || fail "port in use: flightprof threads run: $(cat /proc/"$ipid"/task/*/comm)"
    sleep 0.05
done
touch "$FP_TMP/inuse.stop"
rc=0
wait "$inuse" || rc=$?
[ "$rc" = 7 ] || fail "port in use: exit status $rc"
finish first

# The server's thread, its allocations and its waits are flightprof's: a
# snapshot taken after it served holds only the program's own events (its
# sleeps, its stdio buffer unless a sanitizer's allocator comes first, its
# exit) and its one thread.
FLIGHTPROF_SNAPSHOT=$FP_TMP/serving.fr FLIGHTPROF_SNAPSHOT_ON=exit serve 127.0.0.1:0 rec
for _ in 1 2 3; do get "${url}debug/pprof/cmdline" >/dev/null; done
finish rec
"$FP_CLI" dump "$FP_TMP/serving.fr" >"$FP_TMP/serving.txt" || fail "dump of the snapshot failed"
grep -qE '^events: *[0-9]+ \((nanosleep [0-9]+, )?(malloc 1, )?exit 1\)$' "$FP_TMP/serving.txt" && grep -q '^threads: *1,' "$FP_TMP/serving.txt" ||
    fail "the snapshot holds the server's doings: $(head -20 "$FP_TMP/serving.txt")"
