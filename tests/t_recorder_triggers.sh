#!/bin/bash
# Snapshots of a running program: SIGUSR2 twice gives two snapshots
# (signal trigger, sequence 1 and 2); `flightprof snapshot PID` prints the
# path of a third (cli trigger), and with -o moves it where asked; the
# program's output and exit status are unaffected.
source "$FP_ROOT/tests/lib.sh"

mkdir -p "$FP_TMP/fr"
# Not through fp_run: $! must be the program itself, not a subshell.
FLIGHTPROF_SNAPSHOT="$FP_TMP/fr/srv-%p-%n.fr" LD_PRELOAD=$FP_PRELOAD "$FP_PROGS/rec_server" "$FP_TMP/ready" "$FP_TMP/stop" \
    >"$FP_TMP/out" 2>"$FP_TMP/err" &
pid=$!
wait_for "$FP_TMP/ready" 10
sleep 0.1

kill -USR2 $pid
wait_for "$FP_TMP/fr/srv-$pid-1.fr" 10
kill -USR2 $pid
wait_for "$FP_TMP/fr/srv-$pid-2.fr" 10

path=$("$FP_CLI" snapshot $pid --timeout 10) || fail "flightprof snapshot failed"
[ "$path" = "$FP_TMP/fr/srv-$pid-3.fr" ] || fail "snapshot printed '$path'"
out=$("$FP_CLI" snapshot $pid -o "$FP_TMP/asked.fr") || fail "flightprof snapshot -o failed"
[ "$out" = "$FP_TMP/asked.fr" ] && [ -f "$FP_TMP/asked.fr" ] || fail "snapshot -o printed '$out'"
[ ! -e "$FP_TMP/fr/srv-$pid-4.fr" ] || fail "-o left the pattern's file behind"

touch "$FP_TMP/stop"
wait $pid || fail "the program exited with status $?"
grep -qx 'served 1' "$FP_TMP/out" || fail "program output changed: $(cat "$FP_TMP/out")"
cat "$FP_TMP/err"

for n in 1 2 3; do
    f=$FP_TMP/fr/srv-$pid-$n.fr
    "$FP_CLI" dump "$f" >"$FP_TMP/dump$n" || fail "dump of $f failed"
    want=signal
    [ $n = 3 ] && want=cli
    grep -q "^trigger: *$want\$" "$FP_TMP/dump$n" || fail "$f: trigger is not $want"
    grep -q "(format version 1, #$n)" "$FP_TMP/dump$n" || fail "$f: sequence is not $n"
    grep -Eq 'handler-a\([0-9]+\) +log +\[server\] "request served"' "$FP_TMP/dump$n" || fail "$f: no log event"
    grep -Eq 'handler-b\([0-9]+\) +usleep +blocked [0-9.]+ ms' "$FP_TMP/dump$n" || fail "$f: no usleep event"
done
head -12 "$FP_TMP/dump3"
"$FP_CLI" dump "$FP_TMP/asked.fr" >"$FP_TMP/dump4" || fail "dump of asked.fr failed"
grep -q '^trigger: *cli$' "$FP_TMP/dump4" || fail "asked.fr: trigger is not cli"
ls "$FP_TMP/fr" | grep -q tmp && fail "temporary files left: $(ls "$FP_TMP/fr")"

# Errors: a process without flightprof, and a missing process.
sleep 5 & plain=$!
"$FP_CLI" snapshot $plain 2>"$FP_TMP/e1" && fail "snapshot of a process without flightprof succeeded"
grep -q 'flightprof:.*preloaded' "$FP_TMP/e1" || fail "no clear error: $(cat "$FP_TMP/e1")"
kill $plain
wait $plain 2>/dev/null || true
"$FP_CLI" snapshot 999999999 2>"$FP_TMP/e2" && fail "snapshot of a missing process succeeded"
grep -q '^flightprof: ' "$FP_TMP/e2" || fail "no clear error for a missing process"
echo OK
