#!/usr/bin/env bash
# Builds the SQL parser fuzz target with clang's libFuzzer and runs it for FUZZ_SECONDS
# (default 30) on the seed corpus in tests/sql/fuzz_corpus. Fails if the fuzzer finds a crash,
# a leak or undefined behaviour.
#   bash pkg/fuzz.sh
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v clang++ >/dev/null || need+=(clang)
ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1 || need+=(libclang-rt-dev)
command -v cmake >/dev/null || need+=(cmake)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
BUILD_DIR=${BUILD_DIR:-build-fuzz}
CC=clang CXX=clang++ cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSUNDIAL_FUZZ=ON \
  -DSUNDIAL_BUILD_BENCH=OFF -DSUNDIAL_BUILD_TESTS=ON >/dev/null
cmake --build "$BUILD_DIR" -j "$(nproc)" --target sql_fuzz_parser
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
cp tests/sql/fuzz_corpus/* "$corpus"/
"$BUILD_DIR"/tests/sql/sql_fuzz_parser -max_total_time="${FUZZ_SECONDS:-30}" -max_len=4096 \
  -print_final_stats=1 "$corpus" 2>&1 | tail -n 15
echo "fuzz: sql parser ran ${FUZZ_SECONDS:-30}s without a crash"
