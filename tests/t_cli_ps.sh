#!/bin/bash
# `flightprof ps` lists the running processes that published a discovery
# file: a served one with the port the kernel chose for port 0 (the one
# its `serving` line announces, which answers) and its snapshot pattern; a
# unix socket endpoint as `unix:PATH`; a CPU-profiled one that set its
# process title under its own name, with `-` for no endpoint. The
# discovery file holds the address as `http=`. Files of a process that is
# gone, or of a pid now another process's, are not listed and are removed;
# once the programs have exited none is listed.
source "$FP_ROOT/tests/lib.sh"

# This test's discovery files stay in its scratch directory.
export XDG_RUNTIME_DIR=$FP_TMP/run
mkdir -m 700 "$XDG_RUNTIME_DIR"
disc=$XDG_RUNTIME_DIR/flightprof

pids=()
# Started without fp_run, so $! is the program; pkill -P for any child.
trap 'for p in "${pids[@]}"; do pkill -P "$p" || true; kill "$p" 2>/dev/null || true; done' EXIT

# The line of `flightprof ps` output $1 for pid $2 (empty if none).
row() { awk -v pid="$2" '$1 == pid' <<<"$1"; }
# Its columns into $prog $url $snap $profs (and $rest, which must be empty).
columns() { # OUTPUT PID
    local line
    line=$(row "$1" "$2")
    [ -n "$line" ] || fail "process $2 is not listed"
    read -r _ prog url snap profs rest <<<"$line"
}

# Served on a port the kernel picks, with the recorder.
FLIGHTPROF_LOG=$FP_TMP/a.log FLIGHTPROF_HTTP=127.0.0.1:0 FLIGHTPROF_SNAPSHOT=$FP_TMP/a-%n.fr \
    LD_PRELOAD=$FP_PRELOAD "$FP_PROGS/http_host" "$FP_TMP/a.stop" >"$FP_TMP/a.out" 2>"$FP_TMP/a.err" &
a=$!
pids+=($a)
# On a unix socket.
FLIGHTPROF_HTTP=unix:$FP_TMP/sock LD_PRELOAD=$FP_PRELOAD \
    "$FP_PROGS/http_host" "$FP_TMP/u.stop" >"$FP_TMP/u.out" 2>"$FP_TMP/u.err" &
u=$!
pids+=($u)
# A CPU profile alone, in a program that overwrites its argv (its title).
FLIGHTPROF_CPU=$FP_TMP/cpu-%p.pb.gz LD_PRELOAD=$FP_PRELOAD \
    "$FP_PROGS/rel_title" "$FP_TMP/b.ready" "$FP_TMP/b.stop" >"$FP_TMP/b.out" 2>"$FP_TMP/b.err" &
b=$!
pids+=($b)
wait_for "$disc/$a.conf" 10
wait_for "$disc/$u.conf" 10
wait_for "$FP_TMP/b.ready" 10
[ -f "$disc/$b.conf" ] || fail "rel_title wrote no discovery file"

port=$(sed -n 's#^flightprof: serving http://127\.0\.0\.1:\([0-9]*\)/debug/pprof/$#\1#p' "$FP_TMP/a.log")
[ -n "$port" ] && [ "$port" != 0 ] || fail "no serving line with a port: $(cat "$FP_TMP/a.log")"
cat "$disc/$a.conf"
grep -qx "http=127.0.0.1:$port" "$disc/$a.conf" || fail "the discovery file does not hold the port bound"
grep -qxF "http=unix:$FP_TMP/sock" "$disc/$u.conf" || fail "the discovery file does not hold the socket"
grep -qx "http=" "$disc/$b.conf" || fail "without the endpoint, the file's http is not empty"

# Stale files: one of a process that is gone, one naming a live pid (this
# shell's) with another start time, as after SIGKILL and pid reuse.
sleep 0 &
dead=$!
wait $dead
for p in $dead $$; do
    printf 'pid=%d\nstart_time=1\nsnapshot=%s/stale.fr\nsnapshot_signal=12\nhttp=127.0.0.1:1\n' "$p" "$FP_TMP" \
        >"$disc/$p.conf"
    chmod 600 "$disc/$p.conf"
done

out=$("$FP_CLI" ps) || fail "flightprof ps exited with status $?"
echo "$out"
head -1 <<<"$out" | grep -qE '^ *PID  PROGRAM +ENDPOINT +SNAPSHOT +PROFILES$' || fail "no header line first"

columns "$out" $a
[ "$prog" = http_host ] || fail "process $a is listed as '$prog'"
[ "$url" = "http://127.0.0.1:$port/debug/pprof/" ] || fail "process $a's endpoint is '$url', not port $port"
[ "$snap" = "$FP_TMP/a-%n.fr" ] || fail "process $a's snapshot pattern is '$snap'"
[ "$profs" = - ] && [ -z "$rest" ] || fail "process $a's profiles are '$profs $rest'"
[ "$(curl -s -o "$FP_TMP/cmdline" -w '%{http_code}' --max-time 10 "${url}cmdline")" = 200 ] ||
    fail "the endpoint ps lists does not answer"
grep -q http_host "$FP_TMP/cmdline" || fail "the endpoint ps lists is another process's"

columns "$out" $u
[ "$url" = "unix:$FP_TMP/sock" ] && [ "$snap" = - ] || fail "process $u is listed with '$url' and '$snap'"
[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 --unix-socket "${url#unix:}" http://x/debug/pprof/cmdline)" = 200 ] ||
    fail "the unix socket ps lists does not answer"

columns "$out" $b
[ "$prog" = rel_title ] || fail "process $b (its title set) is listed as '$prog'"
[ "$url" = - ] && [ "$snap" = - ] || fail "process $b is listed with endpoint '$url' and snapshot '$snap'"
[ "$profs" = "cpu=$FP_TMP/cpu-%p.pb.gz" ] && [ -z "$rest" ] || fail "process $b's profiles are '$profs $rest'"

for p in $dead $$; do
    [ -z "$(row "$out" $p)" ] || fail "the stale file of pid $p is listed"
    [ ! -e "$disc/$p.conf" ] || fail "the stale file of pid $p is kept"
done
[ "$(grep -c '^ *[0-9]' <<<"$out")" = "$(awk 'NR > 1 { print $1 }' <<<"$out" | sort -u | wc -l)" ] ||
    fail "a process is listed twice"

# --all includes this user's; an argument it does not know is refused.
"$FP_CLI" ps --all >"$FP_TMP/all.out" || fail "flightprof ps --all exited with status $?"
[ -n "$(row "$(cat "$FP_TMP/all.out")" $a)" ] || fail "ps --all does not list process $a"
rc=0
"$FP_CLI" ps --bogus 2>"$FP_TMP/usage.err" || rc=$?
[ "$rc" = 2 ] && grep -q 'usage: flightprof ps' "$FP_TMP/usage.err" || fail "a bad argument: status $rc"

touch "$FP_TMP/a.stop" "$FP_TMP/u.stop" "$FP_TMP/b.stop"
for p in $a $u; do
    rc=0
    wait $p || rc=$?
    [ "$rc" = 7 ] || fail "http_host $p exited with status $rc"
done
wait $b || fail "rel_title exited with status $?"
[ -z "$(ls -A "$disc")" ] || fail "files left in $disc: $(ls -A "$disc")"

# Once they have exited none is listed. Other programs of this user (other
# tests) may have files in the shared directories: only when there are
# none must the output be the header alone.
shared() { ls /run/user/$(id -u)/flightprof /dev/shm/flightprof-$(id -u) /tmp/flightprof-$(id -u) 2>/dev/null | grep -c '\.conf$' || true; }
before=$(shared)
out=$("$FP_CLI" ps) || fail "flightprof ps with nothing to list exited with status $?"
after=$(shared)
echo "$out"
for p in $a $u $b; do
    [ -z "$(row "$out" $p)" ] || fail "process $p is listed after it exited"
done
if [ "$before" = 0 ] && [ "$after" = 0 ]; then
    [ "$(wc -l <<<"$out")" = 1 ] || fail "with no process, ps lists: $out"
fi
echo OK
