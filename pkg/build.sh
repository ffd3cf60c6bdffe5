#!/usr/bin/env bash
# Installs what a fresh Debian machine lacks, then builds Sundial into ./build (or $BUILD_DIR).
#   bash pkg/build.sh              optimised build
#   SANITIZE=1 bash pkg/build.sh   AddressSanitizer + UBSan build (into build-asan by default)
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v g++ >/dev/null || need+=(g++)
command -v cmake >/dev/null || need+=(cmake)
command -v make >/dev/null || need+=(make)
command -v curl >/dev/null || need+=(curl)
[ -f /usr/include/gtest/gtest.h ] || need+=(libgtest-dev)
[ -f /usr/include/benchmark/benchmark.h ] || need+=(libbenchmark-dev)
# IANA time zones (backup.schedule.tz; tests/core/time_zone_test.cpp compares with glibc).
[ -f /usr/share/zoneinfo/Europe/Berlin ] || need+=(tzdata)
# The Node.js client test (tests/http/nodejs_client_test.cpp), the s3 store tests (npm's
# s3rver, tests/core/object_store_test.cpp) and the function walk test (npm's
# @questdb/sql-grammar, tests/sql/function_walk_test.cpp) skip without node and npm.
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
# GET /backup's recipes (tests/e2e/backup_stream_test.cpp) are run through rclone and bsdtar.
command -v rclone >/dev/null || need+=(rclone)
command -v bsdtar >/dev/null || need+=(libarchive-tools)
# A real Prometheus scrapes /metrics, and promtool checks the page (tests/e2e/prometheus_test.cpp).
command -v prometheus >/dev/null || need+=(prometheus)
# The web console's browser test (tests/http/console_test.cpp) drives Debian's chromium.
[ -x /usr/bin/chromium ] || need+=(chromium)
# The container image test (tests/pkg/docker_test.cpp) starts its own dockerd; the unit file test
# (tests/pkg/service_test.cpp) runs systemd-analyze verify. Both skip without them.
command -v dockerd >/dev/null || need+=(docker.io)
command -v systemd-analyze >/dev/null || need+=(systemd)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  echo "installing: ${need[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

if [ "${SANITIZE:-0}" = 1 ]; then
  BUILD_DIR=${BUILD_DIR:-build-asan}
  cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSUNDIAL_SANITIZE=ON \
    -DSUNDIAL_BUILD_BENCH=OFF >/dev/null
else
  BUILD_DIR=${BUILD_DIR:-build}
  cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$BUILD_DIR" -j "$(nproc)"
command -v npm >/dev/null && bash tests/core/s3rver/install.sh "$BUILD_DIR/tests/core/s3rver-run" ||
  echo "npm's s3rver not installed: the s3 store tests try again (and skip without node/npm)" >&2
command -v npm >/dev/null && bash tests/http/console/install.sh "$BUILD_DIR/tests/http/console-run" ||
  echo "npm's playwright-core not installed: the console test tries again (and skips without it)" >&2
