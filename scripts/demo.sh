#!/bin/sh
# make demo: profiles the bundled demo program with `flightprof record` and
# shows the result with `go tool pprof -top`.
set -e
BUILD=${1:-build}
OUT=$BUILD/demo-cpu.pb.gz
echo "== flightprof record -o $OUT -- $BUILD/progs/demo"
"$BUILD/flightprof" record -o "$OUT" -- "$BUILD/progs/demo"
echo
echo "== go tool pprof -top $OUT"
go tool pprof -top "$OUT"
echo
echo "== per thread: go tool pprof -tags $OUT"
go tool pprof -tags "$OUT"
echo
echo "Open it in a browser with: go tool pprof -http=: $OUT"
