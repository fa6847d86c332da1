# Sourced by the endpoint's tests after lib.sh: serving tests/progs/http_busy
# (which runs until NAME.stop exists and exits 7 with "done") with
# FLIGHTPROF_HTTP on a free loopback port, and reading from it.
#   serve NAME   starts it (FLIGHTPROF_* from the caller's environment);
#                sets pid (the program), shell (fp_run's) and base
#                (http://127.0.0.1:PORT/debug/pprof)
#   finish NAME  stops it and checks its output and exit status
#   get URL FILE [curl args...]   GETs into FILE (headers in FILE.h), prints
#                the status
#   header NAME FILE              a header of FILE's response

prog=$FP_PROGS/http_busy
pids=()
# On any exit every program started is killed, and its fp_run shell: the
# shell alone would leave the program running.
trap 'for p in "${pids[@]}"; do pkill -P "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done' EXIT

serve() { # NAME (FLIGHTPROF_* from the caller's environment)
    FLIGHTPROF_LOG=$FP_TMP/$1.log FLIGHTPROF_HTTP=127.0.0.1:0 fp_run "$prog" "$FP_TMP/$1.stop" \
        >"$FP_TMP/$1.out" 2>"$FP_TMP/$1.err" &
    pids+=($!)
    shell=$!
    for _ in $(seq 100); do
        grep -q 'serving' "$FP_TMP/$1.log" 2>/dev/null && break
        sleep 0.05
    done
    pid=$(pgrep -n -f "^$prog $FP_TMP/$1.stop\$") || fail "$1: no process" # the program, not fp_run's shell
    base=$(sed -n 's/.*serving \(http:[^ ]*debug\/pprof\)\/$/\1/p' "$FP_TMP/$1.log" | head -1)
    [ -n "$base" ] || { cat "$FP_TMP/$1.log" >&2 || true; fail "$1: no serving line"; }
}

finish() { # NAME
    touch "$FP_TMP/$1.stop"
    local rc=0
    wait "$shell" || rc=$?
    [ "$rc" = 7 ] || { cat "$FP_TMP/$1.err" >&2; fail "$1: exit status $rc, not 7"; }
    [ "$(cat "$FP_TMP/$1.out")" = done ] || fail "$1: stdout $(cat "$FP_TMP/$1.out")"
    ! grep -v '^flightprof: ' "$FP_TMP/$1.err" | grep -q . || fail "$1: unexpected stderr: $(cat "$FP_TMP/$1.err")"
}

# GET URL into FILE (headers in FILE.h); prints the status.
get() { # URL FILE [curl args...]
    local u=$1 f=$2
    shift 2
    curl -s -o "$f" -D "$f.h" -w '%{http_code}' --max-time 30 "$@" "$u"
}
header() { grep -i "^$1:" "$2.h" | tr -d '\r' | cut -d' ' -f2-; }

