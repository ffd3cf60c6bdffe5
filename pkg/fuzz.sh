#!/usr/bin/env bash
# Builds the fuzz targets with clang's libFuzzer and runs each for FUZZ_SECONDS (default 30) on
# its seed corpus: the SQL parser (tests/sql/fuzz_corpus) and the server's input parsers — line
# protocol, HTTP requests, CSV, multipart, import schema, date patterns, tar archives
# (tests/http/fuzz_corpus)
# — and the storage engine's read path on damaged files: `_txn`, `.sym`, VARCHAR `.i`, compressed
# column files, backup manifests (tests/cairo/fuzz_corpus).
# Fails if a fuzzer finds a crash, a leak, a hang or undefined behaviour.
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
cmake --build "$BUILD_DIR" -j "$(nproc)" --target sql_fuzz_parser http_fuzz_inputs cairo_fuzz_storage
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
run() {  # run <binary> <seed dir> <name>
  rm -rf "${corpus:?}"/*
  cp "$2"/* "$corpus"/
  # pipefail: the fuzzer's exit status (non-zero on a finding) fails the script.
  "$1" -max_total_time="${FUZZ_SECONDS:-30}" -max_len=4096 -timeout=10 -print_final_stats=1 \
    "$corpus" 2>&1 | tail -n 15
  echo "fuzz: $3 ran ${FUZZ_SECONDS:-30}s without a finding"
}
run "$BUILD_DIR"/tests/sql/sql_fuzz_parser tests/sql/fuzz_corpus "sql parser"
run "$BUILD_DIR"/tests/http/http_fuzz_inputs tests/http/fuzz_corpus "server input parsers"
run "$BUILD_DIR"/tests/cairo/cairo_fuzz_storage tests/cairo/fuzz_corpus "storage read path"
