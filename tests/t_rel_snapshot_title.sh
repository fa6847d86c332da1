#!/bin/bash
# `flightprof snapshot PID` on a program that overwrites its argv and
# environ area to set its process title (as Redis, nginx and PostgreSQL
# do), so that /proc/PID/environ no longer names FLIGHTPROF_SNAPSHOT: the
# CLI finds the configuration in the process's discovery file, and for its
# fork child (which writes none) in the parent's, naming the child's file
# PATTERN.PID. Without XDG_RUNTIME_DIR the file is on /dev/shm (a memory
# file system), not /tmp, and the CLI looks there. The file is private
# (0700 directory, 0600 file), holds the pid and the start time, keeps no
# descriptor open, survives the fork child's exit and is removed at the
# parent's normal exit; a stale file (a pid reused after SIGKILL) is
# neither trusted nor kept. With redis-server installed, the same on the
# real thing.
source "$FP_ROOT/tests/lib.sh"

# This test's discovery files stay in its scratch directory.
export XDG_RUNTIME_DIR=$FP_TMP/run
mkdir -m 700 "$XDG_RUNTIME_DIR"
disc=$XDG_RUNTIME_DIR/flightprof

start_time() { # PID: field 22 of /proc/PID/stat
    awk '{ sub(/.*\) /, ""); print $20 }' "/proc/$1/stat"
}

# A zombie has run its exit hooks; its parent has not reaped it yet.
wait_exited() { # PID
    local i state
    for ((i = 0; i < 200; i++)); do
        state=$(awk '{ sub(/.*\) /, ""); print $1 }' "/proc/$1/stat" 2>/dev/null) || return 0
        [ "$state" = Z ] && return 0
        sleep 0.05
    done
    fail "process $1 did not exit"
}

# A failing check must not leave the programs running.
sock=
cleanup() {
    touch "$FP_TMP/stop" "$FP_TMP/stop.child" "$FP_TMP/stop2" "$FP_TMP/stop3"
    if [ -n "$sock" ]; then redis-cli -s "$sock" shutdown nosave >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

mkdir -p "$FP_TMP/fr"
# Not through fp_run: $! must be the program itself, not a subshell.
FLIGHTPROF_SNAPSHOT="$FP_TMP/fr/t-%n.fr" LD_PRELOAD=$FP_PRELOAD \
    "$FP_PROGS/rel_title" "$FP_TMP/ready" "$FP_TMP/stop" fork >"$FP_TMP/out" 2>"$FP_TMP/err" &
pid=$!
wait_for "$FP_TMP/ready" 10
wait_for "$FP_TMP/ready.child" 10
[ "$(cat "$FP_TMP/ready")" = "$pid" ] || fail "ready names $(cat "$FP_TMP/ready"), not $pid"
child=$(cat "$FP_TMP/ready.child")

# The precondition: the environment the CLI used to read is gone.
for p in $pid $child; do
    if tr '\0' '\n' <"/proc/$p/environ" | grep -q '^FLIGHTPROF_SNAPSHOT='; then
        fail "process $p still shows FLIGHTPROF_SNAPSHOT in /proc/$p/environ"
    fi
done
tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q '^rel_title: serving' || fail "the title was not set"

f=$disc/$pid.conf
[ -f "$f" ] || fail "no discovery file $f: $(ls -la "$disc" 2>&1)"
cat "$f"
[ "$(stat -c %a "$disc")" = 700 ] || fail "$disc has mode $(stat -c %a "$disc")"
[ "$(stat -c %a "$f")" = 600 ] || fail "$f has mode $(stat -c %a "$f")"
[ "$(stat -c %u "$f")" = "$(id -u)" ] || fail "$f is not owned by the user"
grep -qx "pid=$pid" "$f" || fail "no pid line"
grep -qx "start_time=$(start_time $pid)" "$f" || fail "no start_time line matching /proc/$pid/stat"
grep -qxF "snapshot=$FP_TMP/fr/t-%n.fr" "$f" || fail "no snapshot line"
grep -qx "snapshot_signal=$(kill -l USR2)" "$f" || fail "no snapshot_signal line"
[ ! -e "$disc/$child.conf" ] || fail "the fork child wrote a discovery file"
# open, write, close: nothing of the library's stays open on it.
if ls -l "/proc/$pid/fd/" "/proc/$child/fd/" | grep -F "$disc"; then
    fail "a descriptor on the discovery directory stayed open"
fi

path=$("$FP_CLI" snapshot $pid --timeout 10) || fail "flightprof snapshot $pid failed"
[ "$path" = "$FP_TMP/fr/t-1.fr" ] || fail "snapshot of the parent printed '$path'"
cpath=$("$FP_CLI" snapshot $child --timeout 10) ||
    fail "flightprof snapshot $child (fork child) failed; the program's stderr: $(cat "$FP_TMP/err")"
[ "$cpath" = "$FP_TMP/fr/t-1.fr.$child" ] || fail "snapshot of the fork child printed '$cpath'"
for s in "$path" "$cpath"; do
    "$FP_CLI" dump "$s" >"$s.txt" || fail "dump of $s failed"
    grep -q '^trigger: *cli$' "$s.txt" || fail "$s: trigger is not cli"
done
head -8 "$cpath.txt"

# A stale file (left by an earlier process with the child's pid, killed by
# SIGKILL) is recognised by its start time: not used, and removed.
printf 'pid=%d\nstart_time=1\nsnapshot=%s\nsnapshot_signal=10\n' "$child" "$FP_TMP/fr/wrong-%n.fr" \
    >"$disc/$child.conf"
chmod 600 "$disc/$child.conf"
cpath=$("$FP_CLI" snapshot $child --timeout 10) || fail "snapshot of the child with a stale file failed"
[ "$cpath" = "$FP_TMP/fr/t-2.fr.$child" ] || fail "with a stale file, the child's snapshot is '$cpath'"
[ ! -e "$disc/$child.conf" ] || fail "the stale file was kept"
# So is the file of a process that is gone, found in passing.
sleep 0 &
dead=$!
wait $dead
printf 'pid=%d\nstart_time=1\nsnapshot=x\nsnapshot_signal=12\n' "$dead" >"$disc/$dead.conf"
chmod 600 "$disc/$dead.conf"
"$FP_CLI" snapshot $pid --timeout 10 >/dev/null || fail "second snapshot of the parent failed"
[ ! -e "$disc/$dead.conf" ] || fail "the file of a process that is gone was kept"
[ -f "$f" ] || fail "the sweep removed the live process's file"

# Exit: the fork child's leaves its parent's file alone, the parent's
# removes it; nothing written to stderr, which is not a terminal.
touch "$FP_TMP/stop.child"
wait_exited $child
[ -f "$f" ] || fail "the fork child's exit removed its parent's discovery file"
touch "$FP_TMP/stop"
wait $pid || fail "rel_title exited with status $?"
[ ! -e "$f" ] || fail "the discovery file is left after a normal exit"
[ -z "$(ls -A "$disc")" ] || fail "files left in $disc: $(ls -A "$disc")"
[ ! -s "$FP_TMP/err" ] || fail "the program's stderr changed: $(cat "$FP_TMP/err")"

# Values are escaped in the file: a pattern with a backslash and a
# newline comes back whole.
odd=$FP_TMP/'we\ir'$'\n''d'
mkdir -p "$odd"
FLIGHTPROF_SNAPSHOT="$odd/s-%n.fr" LD_PRELOAD=$FP_PRELOAD \
    "$FP_PROGS/rel_title" "$FP_TMP/ready2" "$FP_TMP/stop2" 2>"$FP_TMP/err2" &
opid=$!
wait_for "$FP_TMP/ready2" 10
opath=$("$FP_CLI" snapshot $opid --timeout 10) || fail "snapshot with an odd pattern failed"
[ "$opath" = "$odd/s-1.fr" ] || fail "with an odd pattern the snapshot is '$opath'"
touch "$FP_TMP/stop2"
wait $opid || fail "rel_title (odd pattern) exited with status $?"

# Without XDG_RUNTIME_DIR: /dev/shm/flightprof-UID, found by the CLI.
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
    shm=/dev/shm/flightprof-$(id -u)
    env -u XDG_RUNTIME_DIR FLIGHTPROF_SNAPSHOT="$FP_TMP/fr/shm-%n.fr" LD_PRELOAD=$FP_PRELOAD \
        "$FP_PROGS/rel_title" "$FP_TMP/ready3" "$FP_TMP/stop3" 2>"$FP_TMP/err3" &
    spid=$!
    wait_for "$FP_TMP/ready3" 10
    [ -f "$shm/$spid.conf" ] || fail "no discovery file in $shm: $(ls -la "$shm" 2>&1)"
    [ ! -e "/tmp/flightprof-$(id -u)/$spid.conf" ] || fail "the discovery file went to /tmp"
    spath=$(env -u XDG_RUNTIME_DIR "$FP_CLI" snapshot $spid --timeout 10) ||
        fail "snapshot through $shm failed"
    [ "$spath" = "$FP_TMP/fr/shm-1.fr" ] || fail "snapshot through $shm printed '$spath'"
    touch "$FP_TMP/stop3"
    wait $spid || fail "rel_title (/dev/shm) exited with status $?"
    [ ! -e "$shm/$spid.conf" ] || fail "the discovery file is left in $shm"
else
    echo "/dev/shm part skipped: no writable /dev/shm"
fi

# The real thing.
if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
    echo "redis part skipped: redis-server is not installed"
    echo OK
    exit 0
fi
if [ -n "$FP_SAN" ]; then
    # The ASan runtime preloaded in front of Debian's jemalloc-linked
    # redis-server is not a configuration anyone runs.
    echo "redis part skipped under the sanitizers"
    echo OK
    exit 0
fi
sock=$FP_TMP/r.sock
FLIGHTPROF_SNAPSHOT="$FP_TMP/fr/redis-%p-%n.fr" LD_PRELOAD=$FP_PRELOAD \
    redis-server --port 0 --unixsocket "$sock" --daemonize no --save '' --appendonly no \
    --dir "$FP_TMP" >"$FP_TMP/redis.out" 2>"$FP_TMP/redis.err" &
rpid=$!
for ((i = 0; i < 200; i++)); do
    [ "$(redis-cli -s "$sock" ping 2>/dev/null)" = PONG ] && break
    kill -0 $rpid 2>/dev/null || { cat "$FP_TMP/redis.out" "$FP_TMP/redis.err"; fail "redis-server exited"; }
    sleep 0.05
done
[ "$(redis-cli -s "$sock" ping)" = PONG ] || fail "redis-server does not answer"
redis-cli -s "$sock" set fp-key fp-value >/dev/null
if tr '\0' '\n' <"/proc/$rpid/environ" | grep -q '^FLIGHTPROF_SNAPSHOT='; then
    echo "note: this redis-server left its environment readable"
fi
[ -f "$disc/$rpid.conf" ] || fail "redis-server has no discovery file"
rpath=$("$FP_CLI" snapshot $rpid --timeout 10) || fail "flightprof snapshot of redis-server failed"
[ "$rpath" = "$FP_TMP/fr/redis-$rpid-1.fr" ] || fail "redis snapshot printed '$rpath'"
"$FP_CLI" dump "$rpath" >"$FP_TMP/redis.dump" || fail "dump of the redis snapshot failed"
head -12 "$FP_TMP/redis.dump"
grep -q '^trigger: *cli$' "$FP_TMP/redis.dump" || fail "redis snapshot: trigger is not cli"
grep -q 'redis-server' "$FP_TMP/redis.dump" || fail "redis snapshot names no redis-server frame or thread"
[ "$(redis-cli -s "$sock" get fp-key)" = fp-value ] || fail "redis-server lost its data"
redis-cli -s "$sock" shutdown nosave >/dev/null 2>&1 || true
wait $rpid || fail "redis-server exited with status $?"
[ ! -e "$disc/$rpid.conf" ] || fail "redis-server left its discovery file"
echo OK
