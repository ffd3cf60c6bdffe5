#!/usr/bin/env bash
# Builds (see pkg/build.sh) and runs the whole test suite with ctest.
#   bash pkg/test.sh               optimised build
#   SANITIZE=1 bash pkg/test.sh    AddressSanitizer + UBSan build
set -euo pipefail
cd "$(dirname "$0")/.."
bash pkg/build.sh
if [ "${SANITIZE:-0}" = 1 ]; then BUILD_DIR=${BUILD_DIR:-build-asan}; else BUILD_DIR=${BUILD_DIR:-build}; fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --test-dir "$BUILD_DIR" --output-on-failure -j 2
