#!/bin/bash
# Real programs, each run twice plain and once with every collector on
# (CPU at 1000 Hz, heap, mutex, flight recorder): the exit status, stdout
# and stderr (less flightprof's own lines) must be what they are without
# flightprof, and every profile and snapshot written must be readable.
#
#   mp_pool       CPython multiprocessing, fork start method: a Pool (map,
#                 imap_unordered, apply_async over 450 tasks; the workers
#                 are ended with SIGTERM) and a Manager shared by 6 processes
#   node_workers  node, 4 worker_threads hashing (crypto) and allocating
#   redis         redis-server on a unix socket in $FP_TMP, redis-benchmark
#                 -n 20000 against it, then SIGTERM: it must exit 0 and log
#                 its normal shutdown (only the server is profiled)
#   sqlite        sqlite3: 200k rows inserted through a recursive CTE into
#                 an indexed table, queries, integrity_check
#   bash_forks    bash: 300 rounds of $(echo), true, /bin/true, a pipe through tr
#   xz            xz -T2 compresses 30 MB, xz -T2 -d decompresses it; the
#                 checksums of both are compared
#   git_gc        git gc of a 300-commit repository of loose objects made
#                 with fast-import, then git fsck, count-objects, rev-list
#
# The two plain runs must agree byte for byte (none of these programs needs
# a normaliser: each prints only what it computed); a program given a
# normaliser must show it is needed by plain runs that differ without it.
# Under the sanitizers the second baseline is the ASan runtime alone: a
# program whose behaviour it changes by itself is skipped, with the diff.
source "$FP_ROOT/tests/real_lib.sh"

IN=$FP_TMP/in
mkdir -p "$IN"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
for p in /usr/bin/python3 node redis-server redis-benchmark redis-cli sqlite3 xz git; do
    command -v "$p" >/dev/null || fail "$p is missing (scripts/install-deps.sh installs it)"
done

quiet_fail() { printf '%s\n' "$1" | sed 's/^/    /'; }

# real_program NAME LIMIT SETUP NORM -- CMD...: SETUP (a function, or -)
# prepares the fresh working directory it is given; NORM (a command, or -)
# normalises outputs before they are compared.
real_program() {
    local name=$1 limit=$2 setup=$3 normcmd=$4
    shift 5
    local normargs=() w=$FP_TMP/work/$name kind run spec runs
    [ "$normcmd" = - ] || normargs=("$normcmd")
    REAL_SKIPPED=0
    if [ -z "${FP_SAN:-}" ]; then
        runs=("plain $name.plain" "plain $name.plain2" "prof $name.prof")
    else
        runs=("plain $name.plain" "asan $name.asan" "prof $name.prof")
    fi
    for spec in "${runs[@]}"; do
        read -r kind run <<<"$spec"
        rm -rf "$w"
        mkdir -p "$w"
        [ "$setup" = - ] || "$setup" "$w"
        REAL_CWD=$w real_run "$kind" "$run" "$limit" "$@"
    done
    local P=$FP_TMP/runs/$name.plain Q=$FP_TMP/runs/$name.prof B
    if [ -z "${FP_SAN:-}" ]; then
        real_check_plain_pair "$name" "$P" "$FP_TMP/runs/$name.plain2" "${normargs[@]}"
    else
        B=$FP_TMP/runs/$name.asan
        REAL_FAIL_FN=quiet_fail real_compare "$name" "$P" "$B" "the ASan runtime alone" "${normargs[@]}" >"$B/vs-plain" 2>&1
        if [ "$REAL_OK" != 1 ]; then
            echo "SKIP: $name under ASan: the ASan runtime alone, without flightprof, changes its behaviour:"
            cat "$B/vs-plain"
            REAL_SKIPPED=1
            return 0
        fi
        P=$B
    fi
    real_compare "$name" "$P" "$Q" "all collectors" "${normargs[@]}"
    [ "$REAL_OK" = 1 ] && echo "$name: same exit status, stdout and stderr with all collectors"
    real_check_profiles "$name, all collectors" "$Q/x"
}

# --- mp_pool
cat >"$IN/mp.py" <<'EOF'
import hashlib, multiprocessing as mp

def task(i):
    h = hashlib.sha256(str(i).encode() * 200).hexdigest()
    return i, h[:16], sum(x * x for x in range(i * 20))

def bump(counts, lock, k):
    for _ in range(50):
        with lock:
            counts[k] = counts.get(k, 0) + 1

if __name__ == "__main__":
    ctx = mp.get_context("fork")
    with ctx.Pool(4) as pool:
        mapped = pool.map(task, range(300), chunksize=3)
        unordered = sorted(pool.imap_unordered(task, range(300, 400)))
        asyncs = [pool.apply_async(task, (i,)) for i in range(400, 450)]
        applied = [a.get(timeout=60) for a in asyncs]
    for r in mapped + unordered + applied:
        print(*r)
    with ctx.Manager() as m:
        counts, lock, log = m.dict(), m.Lock(), m.list()
        procs = [ctx.Process(target=bump, args=(counts, lock, k % 3)) for k in range(6)]
        for p in procs:
            p.start()
        for p in procs:
            p.join()
        log.extend([p.exitcode for p in procs])
        print("manager:", sorted(counts.items()), list(log))
EOF
real_program mp_pool 60 - - -- /usr/bin/python3 "$IN/mp.py"

# --- node_workers
cat >"$IN/workers.js" <<'EOF'
'use strict';
const { Worker, isMainThread, parentPort, workerData } = require('worker_threads');
const crypto = require('crypto');
if (isMainThread) {
  const results = [];
  let done = 0;
  for (let w = 0; w < 4; w++) {
    const worker = new Worker(__filename, { workerData: { id: w, rounds: 10000 } });
    worker.on('message', (m) => results.push(m));
    worker.on('error', (e) => { console.error('worker error', e); process.exitCode = 1; });
    worker.on('exit', (code) => {
      if (code !== 0) { console.error('worker exit', code); process.exitCode = 1; }
      if (++done === 4) {
        results.sort((a, b) => a.id - b.id);
        for (const r of results) console.log(r.id, r.digest, r.kept, r.total);
      }
    });
  }
} else {
  const { id, rounds } = workerData;
  let h = crypto.createHash('sha256').update(String(id)).digest();
  const kept = [];
  let total = 0;
  for (let i = 0; i < rounds; i++) {
    h = crypto.createHash('sha256').update(h).update(Buffer.alloc(1024 + (i % 512), i & 255)).digest();
    const a = new Array(200).fill(i).map((x, j) => ({ x, j, s: 'v' + (x ^ j) }));
    total += a.length;
    if (i % 100 === 0) kept.push(Buffer.from(h));
    if (kept.length > 20) kept.shift();
  }
  parentPort.postMessage({ id, digest: h.toString('hex'), kept: kept.length, total });
}
EOF
real_program node_workers 60 - - -- node "$IN/workers.js"

# --- redis: the driver runs plain and profiles the server alone.
cat >"$IN/redis.sh" <<'EOF'
sock=$PWD/r.sock
# shellcheck disable=SC2086 # REAL_INNER_ENV is a list of NAME=VALUE words
env $REAL_INNER_ENV redis-server --port 0 --unixsocket "$sock" --save '' --appendonly no \
    --dir "$PWD" --logfile "$PWD/redis.log" --daemonize no &
srv=$!
up=
for _ in $(seq 200); do
    redis-cli -s "$sock" ping 2>/dev/null | grep -qx PONG && { up=1; break; }
    kill -0 $srv 2>/dev/null || break
    sleep 0.1
done
if [ -z "$up" ]; then
    echo "redis-server: no answer to PING within 20 s"
    kill -KILL $srv 2>/dev/null
    wait $srv
    echo "redis-server: exit $?"
    tail -n 5 redis.log >&2
    exit 1
fi
echo "redis-server: answers PING"
timeout 120 redis-benchmark -s "$sock" -n 20000 -q >bench.out 2>bench.err
echo "redis-benchmark: exit $?, $(grep -o 'requests per second' bench.out | wc -l) tests completed"
kill -TERM $srv
for _ in $(seq 300); do
    kill -0 $srv 2>/dev/null || break
    sleep 0.1
done
if kill -0 $srv 2>/dev/null; then
    echo "redis-server: still running 30 s after SIGTERM (killed)"
    kill -KILL $srv
fi
wait $srv
echo "redis-server: exit $?"
if grep -q 'ready to exit, bye bye' redis.log; then
    echo "redis.log: ready to exit, bye bye"
else
    echo "redis.log: no 'ready to exit, bye bye'"
    tail -n 5 redis.log >&2
fi
EOF
REAL_INNER=1 real_program redis 150 - - -- bash "$IN/redis.sh"
# Whatever the plain runs did: the profiled server must have shut down cleanly.
[ "$REAL_SKIPPED" = 1 ] || for want in "redis-server: exit 0" "redis.log: ready to exit, bye bye"; do
    grep -qxF "$want" "$FP_TMP/runs/redis.prof/out" ||
        real_fail "redis, all collectors: no \"$want\"; the driver said: $(tr '\n' ';' <"$FP_TMP/runs/redis.prof/out")"
done

# --- sqlite
cat >"$IN/bulk.sql" <<'EOF'
CREATE TABLE t(id INTEGER PRIMARY KEY, k TEXT, v INTEGER);
CREATE INDEX t_k ON t(k);
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000)
INSERT INTO t(id, k, v) SELECT i, printf('key-%08d', (i * 7919) % 200000), i % 1000 FROM n;
COMMIT;
SELECT count(*), sum(v), min(k), max(k) FROM t;
SELECT k, v FROM t WHERE k BETWEEN 'key-00001000' AND 'key-00001005' ORDER BY k;
SELECT v % 7, count(*) FROM t GROUP BY 1 ORDER BY 1;
PRAGMA integrity_check;
EOF
REAL_STDIN=$IN/bulk.sql real_program sqlite 60 - - -- sqlite3 -batch -init /dev/null bulk.db

# --- bash_forks
cat >"$IN/forks.sh" <<'EOF'
set -e
n=0
for i in $(seq 1 300); do
    x=$(echo "line $i")
    true
    y=$(printf '%s\n' "$x" | tr 'a-z' 'A-Z')
    /bin/true
    n=$((n + ${#y}))
    [ $((i % 50)) != 0 ] || echo "$i $y $n"
done
echo "total $n"
EOF
real_program bash_forks 60 - - -- bash "$IN/forks.sh"

# --- xz: 30 MB of text (compressible, but not trivially: three blocks of
# 12 MiB at -3, so both threads work)
seq 1 3800000 >"$IN/data"
xz_setup() { ln -s "$IN/data" "$1/data"; }
# (scripts, not sh -c: dash would exec the last command in place of the
# first process, whose own profiles are then never written)
cat >"$IN/xz.sh" <<'EOF'
set -e
xz -T2 -3 -c data >data.xz
sha256sum <data.xz
xz -T2 -d -c data.xz | sha256sum
sha256sum <data
EOF
real_program xz 60 xz_setup - -- bash "$IN/xz.sh"
sums=$(cut -d' ' -f1 "$FP_TMP/runs/xz.plain/out" | tail -n 2 | uniq | wc -l)
[ "$sums" = 1 ] || real_fail "xz, plain: the round trip does not give the data back (test bug)"

# --- git_gc: 300 commits by fast-import, unpacked into loose objects.
cat >"$IN/mkrepo.py" <<'EOF'
import sys
out = sys.stdout.buffer
mark = 1
for c in range(300):
    files = []
    for f in range(3):
        n = (c * 3 + f) % 40
        data = b"".join(b"file %d line %d rev %d\n" % (n, j, c if j % 10 == 0 else 0) for j in range(60))
        out.write(b"blob\nmark :%d\ndata %d\n%s\n" % (mark, len(data), data))
        files.append((n, mark))
        mark += 1
    msg = b"commit %d\n" % c
    t = 1700000000 + c * 60
    out.write(b"commit refs/heads/main\nmark :%d\n" % mark)
    out.write(b"author A U Thor <a@example.com> %d +0000\ncommitter A U Thor <a@example.com> %d +0000\n" % (t, t))
    out.write(b"data %d\n%s" % (len(msg), msg))
    if c:
        out.write(b"from :%d\n" % prev)
    for n, m in files:
        out.write(b"M 100644 :%d dir%d/f%d.txt\n" % (m, n % 5, n))
    out.write(b"\n")
    prev = mark
    mark += 1
    if c % 50 == 49:
        out.write(b"reset refs/tags/v%d\nfrom :%d\n\n" % (c // 50, prev))
EOF
git init -q -b main "$IN/repo"
/usr/bin/python3 "$IN/mkrepo.py" | git -C "$IN/repo" fast-import --quiet
for pack in "$IN"/repo/.git/objects/pack/*.pack; do
    mv "$pack" "$IN/pack"
    rm -f "${pack%.pack}".*
    git -C "$IN/repo" unpack-objects -q <"$IN/pack"
done
git_setup() { cp -a "$IN/repo/." "$1/"; }
cat >"$IN/git.sh" <<'EOF'
set -e
git gc
git fsck --full --strict
git count-objects -v
git rev-list --all --objects | sort | sha256sum
git for-each-ref
EOF
real_program git_gc 60 git_setup - -- bash "$IN/git.sh"

real_finish
