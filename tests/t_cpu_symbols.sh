#!/bin/bash
# Static functions, a dlopen'ed library, C++ templates in a namespace and
# an inlined function are all named, with source lines, by the profile
# alone: the binary and the library are deleted before pprof reads it.
source "$FP_ROOT/tests/lib.sh"

mkdir -p "$FP_TMP/bin"
cp "$FP_PROGS/cpu_symbols" "$FP_PROGS/plugin_burn.so" "$FP_TMP/bin/"
FLIGHTPROF_CPU=$FP_TMP/sym.pb.gz fp_run "$FP_TMP/bin/cpu_symbols" "$FP_TMP/bin/plugin_burn.so" >/dev/null
rm -rf "$FP_TMP/bin"

pprof -top "$FP_TMP/sym.pb.gz" >"$FP_TMP/top"
cat "$FP_TMP/top"
for name in local_static_burner 'geometry::Shape<double>::area_work' plugin_hot_function \
            'inlined_helper (inline)' calls_inlined main; do
    grep -qF "$name" "$FP_TMP/top" || pprof -top -cum "$FP_TMP/sym.pb.gz" | grep -F "$name" >/dev/null ||
        fail "$name is not named in the profile"
done
if grep -qE '^ .*\[cpu_symbols\]|^ .*0x[0-9a-f]+$' "$FP_TMP/top"; then
    fail "unsymbolized frames in the program"
fi

# Source lines: -list shows the body of the function from its source file.
pprof -list local_static_burner "$FP_TMP/sym.pb.gz" >"$FP_TMP/list"
cat "$FP_TMP/list"
grep -q 'cpu_symbols.cc' "$FP_TMP/list" || fail "-list does not name the source file"
grep -qE '^ +[^ ]+ +[0-9.]+m?s +[0-9]+: +burn_units\(units\);' "$FP_TMP/list" ||
    fail "-list does not attribute samples to the line that burns"

# The program's mapping says it is symbolized, inline frames included, and
# carries the binary's build-id.
pprof -raw "$FP_TMP/sym.pb.gz" >"$FP_TMP/raw"
build_id=$(readelf -n "$FP_PROGS/cpu_symbols" | awk '/Build ID/ { print $3 }')
grep -E "cpu_symbols" "$FP_TMP/raw" | grep -F "$build_id" | grep -qF '[FN][FL][LN][IN]' ||
    fail "the program's mapping lacks its build-id or symbolization flags"
