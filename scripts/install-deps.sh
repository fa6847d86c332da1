#!/bin/sh
# Installs the Debian packages flightprof needs to build, test and benchmark,
# and only those that are missing. Needs root (apt-get) when something is.
set -e

PACKAGES="gcc g++ make libc6-dev pkg-config
libunwind-dev libprotobuf-c-dev protobuf-c-compiler protobuf-compiler
zlib1g-dev libdw-dev libelf-dev
golang-go golang-github-google-pprof-dev python3 xz-utils time bc
google-perftools libgoogle-perftools-dev heaptrack
clang libclang-rt-dev valgrind hyperfine
libpython3.11-testsuite redis-server redis-tools sqlite3 git nodejs
curl prometheus"

missing=""
for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "flightprof: installing missing packages:$missing" >&2
if [ "$(id -u)" != 0 ]; then
    echo "flightprof: need root to run apt-get install$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends $missing >&2
