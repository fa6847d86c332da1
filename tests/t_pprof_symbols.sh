#!/bin/bash
# A profile written from real code addresses (tests/progs/sym_targets and
# its plugins, see tests/unit/test_pprof_write.c) is complete on its own:
# after the binaries are deleted, go tool pprof shows static functions,
# inlined frames, C++ template names, functions of a dlopen'ed library with
# and without debug info, source lines, labels and lost samples, with no
# warning.
source "$FP_ROOT/tests/lib.sh"

src=$FP_ROOT/tests/progs/sym_targets.cc
line_of() { grep -n "$1" "$2" | head -1 | cut -d: -f1; }

mkdir -p "$FP_TMP/bin"
cp "$FP_PROGS/sym_targets" "$FP_PROGS/sym_plugin" "$FP_PROGS/sym_nodebug" "$FP_TMP/bin/"
"$FP_PROGS/../unit/test_pprof_write" --write "$FP_TMP/sym.pb.gz" "$FP_TMP/bin"
rm -rf "$FP_TMP/bin"

# flat and cum sample counts per function in -top.
pprof -top -sample_index=samples "$FP_TMP/sym.pb.gz" >"$FP_TMP/top"
cat "$FP_TMP/top"
counts() { # NAME -> "FLAT CUM"
    awk -v name="$1" '{ n = $6; for (i = 7; i <= NF; i++) n = n " " $i }
                      n == name { print $1, $4; found = 1 } END { if (!found) print "missing" }' "$FP_TMP/top"
}
expect() { # NAME FLAT CUM
    local got
    got=$(counts "$1")
    [ "$got" = "$2 $3" ] || fail "$1: flat/cum $got, expected $2 $3"
}
expect local_static 50 50
expect 'inlined_leaf (inline)' 30 30
expect calls_inline 0 30
expect 'geo::Box<double>::volume' 20 20
expect plugin_static 10 10
expect sym_plugin_run 0 10
expect nodebug_static 5 5
expect '[flightprof: lost samples]' 3 3
expect main 0 115

# The inlined frame sits above the function it was inlined into.
pprof -traces -sample_index=samples "$FP_TMP/sym.pb.gz" >"$FP_TMP/traces"
grep -A2 'inlined_leaf (inline)' "$FP_TMP/traces" | tr -s ' ' | tr '\n' '|' |
    grep -q 'inlined_leaf (inline)| calls_inline| main|' || fail "-traces: inline chain wrong"

# Source lines, from the source file alone.
pprof -list '^local_static$' -sample_index=samples "$FP_TMP/sym.pb.gz" >"$FP_TMP/list"
cat "$FP_TMP/list"
grep -qE "^ +50 +50 +$(line_of 'sym_probe("static"' "$src"):" "$FP_TMP/list" ||
    fail "-list local_static: samples not on the probe's line"
pprof -list '^calls_inline$' -sample_index=samples "$FP_TMP/sym.pb.gz" >"$FP_TMP/list2"
grep -qE "^ +\. +30 +$(line_of 'inlined_leaf(__LINE__)' "$src"):" "$FP_TMP/list2" ||
    fail "-list calls_inline: the inlined call's line has no cumulative samples"
pprof -list 'plugin_static' -sample_index=samples "$FP_TMP/sym.pb.gz" >"$FP_TMP/list3"
grep -qE "^ +10 +10 +$(line_of 'probe("plugin_static"' "$FP_ROOT/tests/progs/sym_plugin.c"):" \
    "$FP_TMP/list3" || fail "-list plugin_static: wrong line"

# Mappings: build-ids and truthful symbolization flags.
pprof -raw "$FP_TMP/sym.pb.gz" >"$FP_TMP/raw"
grep -E '/sym_targets [0-9a-f]{40} \[FN\]\[FL\]\[LN\]\[IN\]$' "$FP_TMP/raw" >/dev/null ||
    fail "-raw: sym_targets mapping lacks its build-id or flags"
grep -E '/sym_nodebug [0-9a-f]{40} \[FN\]$' "$FP_TMP/raw" >/dev/null ||
    fail "-raw: sym_nodebug must say functions only"
grep -q 's=[0-9]*(_ZNK3geo3BoxIdE6volumeEd)' "$FP_TMP/raw" || fail "-raw: mangled system name missing"

# Labels.
pprof -top -sample_index=samples -tagfocus=thread=worker "$FP_TMP/sym.pb.gz" |
    grep -q 'Showing nodes accounting for 30,' || fail "-tagfocus=thread=worker does not select 30 samples"
pprof -tags "$FP_TMP/sym.pb.gz" | grep 'tid' >/dev/null || fail "-tags: no tid label"

# The encoding, as protoc reads it.
zcat "$FP_TMP/sym.pb.gz" | protoc --decode=perftools.profiles.Profile -I "$FP_ROOT/proto" \
    "$FP_ROOT/proto/profile.proto" >"$FP_TMP/decoded"
head -1 <(grep '^string_table' "$FP_TMP/decoded") | grep -qx 'string_table: ""' ||
    fail "string_table[0] is not empty"
grep -q '^default_sample_type' "$FP_TMP/decoded" && fail "default_sample_type set though none was asked"
echo ok
