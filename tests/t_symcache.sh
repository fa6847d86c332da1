#!/bin/bash
# The symbol cache (FLIGHTPROF_SYMCACHE): a heap profile (rate 1, so every
# run has the same samples) symbolized from a cold cache, a warm one and
# with the cache off reads the same in go tool pprof, names, inlined
# frames and lines included. A warm run really reads the cache (an entry
# edited with a valid check shows up), a corrupt entry is ignored and
# replaced, and a bad or unwritable setting costs nothing but the cache.
source "$FP_ROOT/tests/lib.sh"
[ -z "$FP_SAN" ] || { echo "skipped: the allocator wrappers sit behind ASan's"; exit 0; }

prog=$FP_PROGS/heap_cxx
cache=$FP_TMP/cache/nested

# Profiles heap_cxx with the given extra environment and leaves the
# symbolized traces in NAME.txt (without the run's time and duration).
profile() { # NAME [VAR=VALUE...]
    local name=$1
    shift
    env "$@" FLIGHTPROF_HEAP="$FP_TMP/$name.pb.gz" FLIGHTPROF_HEAP_RATE=1 \
        LD_PRELOAD="$FP_PRELOAD" "$prog" >/dev/null 2>"$name.err"
    pprof -traces -lines "$FP_TMP/$name.pb.gz" |
        sed -e '/^Time:/d' -e 's/^Duration: [^,]*,//' >"$name.txt"
}

same_as_cold() { # NAME
    diff cold.txt "$1.txt" >&2 || fail "$1: the profile differs from the cold-cache one (diff above)"
}

no_stderr() { # NAME
    [ ! -s "$1.err" ] || { cat "$1.err" >&2; fail "$1: unexpected output on stderr"; }
}

profile cold FLIGHTPROF_SYMCACHE="$cache"
no_stderr cold
grep -q 'keep_objects .*heap_cxx.cc:' cold.txt || fail "cold: keep_objects has no source line"
grep -q '(inline)' cold.txt || fail "cold: no inlined frames"
build_id=$(pprof -raw "$FP_TMP/cold.pb.gz" | awk '$3 ~ /heap_cxx$/ { print $4; exit }')
entry=$cache/$build_id.sym
[ -s "$entry" ] || fail "no cache file $entry after a cold run"
[ "$(stat -c %a "$cache")" = 700 ] || fail "the cache directory is not private: $(stat -c %a "$cache")"
head -1 "$entry" | grep -q "^flightprof-symcache 1 $build_id " || fail "bad header: $(head -1 "$entry")"
lines=$(wc -l <"$entry")

profile warm FLIGHTPROF_SYMCACHE="$cache"
no_stderr warm
same_as_cold warm
[ "$(wc -l <"$entry")" = "$lines" ] || fail "a warm run added entries that were cached already"

profile off FLIGHTPROF_SYMCACHE=off
no_stderr off
same_as_cold off

# Renames keep_objects in its cache entry, recomputing the line's check
# (FNV-1a over the line up to its last tab) when asked to.
edit_entry() { # NEW-NAME valid|corrupt
    python3 - "$entry" "$1" "$2" <<'EOF'
import sys
path, new, how = sys.argv[1:]
lines = open(path).read().split("\n")
def fnv(b):
    h = 14695981039346656037
    for c in b:
        h = ((h ^ c) * 1099511628211) % (1 << 64)
    return h
done = False
for i, line in enumerate(lines[1:], 1):
    f = line.split("\t")
    if len(f) > 4 and f[3] == "keep_objects":
        f[3] = f[4] = new
        body = "\t".join(f[:-1])
        f[-1] = "%x" % fnv(body.encode()) if how == "valid" else f[-1]
        lines[i] = "\t".join(f)
        done = True
if not done:
    sys.exit("no keep_objects entry in " + path)
open(path, "w").write("\n".join(lines))
EOF
}

cp "$entry" entry.orig
edit_entry from_the_cache valid
profile edited FLIGHTPROF_SYMCACHE="$cache"
grep -q 'from_the_cache .*heap_cxx.cc:' edited.txt || fail "a warm run did not take keep_objects from the cache"

cp entry.orig "$entry"
edit_entry bogus_name corrupt
profile corrupt FLIGHTPROF_SYMCACHE="$cache"
no_stderr corrupt
same_as_cold corrupt
profile healed FLIGHTPROF_SYMCACHE="$cache"
same_as_cold healed

# A torn last line (a writer that died mid-line) costs only that entry.
printf '1234\t0\t1\ttorn' >>"$entry"
profile torn FLIGHTPROF_SYMCACHE="$cache"
no_stderr torn
same_as_cold torn
profile after_torn FLIGHTPROF_SYMCACHE="$cache"
same_as_cold after_torn

# A relative path is refused with one line, and the default (under HOME)
# is used instead.
mkdir -p home
profile relative FLIGHTPROF_SYMCACHE=relative/dir HOME="$FP_TMP/home" XDG_CACHE_HOME=
same_as_cold relative
[ "$(wc -l <relative.err)" = 1 ] && grep -q '^flightprof: FLIGHTPROF_SYMCACHE=relative/dir is not' relative.err ||
    { cat relative.err >&2; fail "relative: expected one warning line"; }
[ -s "home/.cache/flightprof/$build_id.sym" ] || fail "relative: the default cache under HOME was not used"

# A cache that cannot be written costs nothing else.
touch not_a_dir
profile unwritable FLIGHTPROF_SYMCACHE="$FP_TMP/not_a_dir/cache"
no_stderr unwritable
same_as_cold unwritable
echo "cold, warm, off, edited, corrupt, torn and unwritable caches all behave"
