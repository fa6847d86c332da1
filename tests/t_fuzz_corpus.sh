#!/bin/bash
# Every file of the fuzzing corpus (real snapshots, truncated and bit-flipped
# ones, foreign files) through `flightprof dump` and `flightprof convert`:
# each run either succeeds or fails cleanly (non-zero exit status and a
# single "flightprof:" line on stderr) -- never a crash, a signal, a
# sanitizer report or a hang. Chrome output that is written must be valid.
source "$FP_ROOT/tests/lib.sh"
corpus=$FP_ROOT/tests/fuzz/corpus
check=$FP_ROOT/tests/check_chrome_trace.py
files=("$corpus"/*)
[ "${#files[@]}" -ge 10 ] && [ -e "${files[0]}" ] || fail "corpus $corpus is missing or too small"

runs=0 ok=0
# Runs the CLI on one input and judges how it ended.
judge() { # NAME CLI-ARGS...
    local name=$1 rc
    shift
    runs=$((runs + 1))
    set +e
    timeout -k 5 30 "$FP_CLI" "$@" >out.txt 2>err.txt
    rc=$?
    set -e
    if [ "$rc" -eq 0 ]; then
        ok=$((ok + 1))
        return 0
    fi
    [ "$rc" -ne 124 ] && [ "$rc" -ne 137 ] || fail "$name: flightprof $* timed out"
    [ "$rc" -lt 128 ] || fail "$name: flightprof $* died with signal $((rc - 128))"
    local lines
    lines=$(wc -l <err.txt)
    if [ "$lines" -ne 1 ] || ! grep -q '^flightprof: ' err.txt; then
        cat err.txt >&2
        fail "$name: flightprof $* exited $rc without one clean error line (stderr above)"
    fi
    return 1
}

mkdir -p traces
for f in "${files[@]}"; do
    name=$(basename "$f")
    judge "$name" dump "$f" || true
    for fmt in chrome pprof allocs; do
        out=conv.out
        [ "$fmt" = chrome ] && out=traces/$name.json
        if judge "$name" convert "$f" -f "$fmt" -o "$out"; then
            [ -s "$out" ] || fail "$name: convert -f $fmt succeeded without output"
        elif [ -e "$out" ]; then
            fail "$name: convert -f $fmt failed but left $out"
        fi
        rm -f conv.out
    done
done
# Every trace that was written must be valid (one checker run for all).
if compgen -G 'traces/*.json' >/dev/null; then
    python3 "$check" traces/*.json >/dev/null || fail "convert -f chrome wrote an invalid trace (above)"
fi
# The corpus holds intact snapshots: some runs must succeed, or the
# reader rejects everything and this test proves nothing.
[ "$ok" -gt 0 ] || fail "no run succeeded on any corpus file"
echo "$runs runs, $ok succeeded, the rest failed cleanly"
