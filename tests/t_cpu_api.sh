#!/bin/bash
# The API, with the library linked rather than preloaded: error cases
# (checked inside the program), flush keeps profiling, stop writes it all.
source "$FP_ROOT/tests/lib.sh"

"$FP_PROGS/cpu_api" "$FP_TMP/api.pb.gz"
pprof -top "$FP_TMP/api.pb.gz" >"$FP_TMP/top"
cat "$FP_TMP/top"
grep -q api_phase_one "$FP_TMP/top" || fail "api_phase_one missing"
grep -q api_phase_two "$FP_TMP/top" || fail "api_phase_two missing (flush must keep profiling)"
