#!/usr/bin/env bash
# Installs npm's s3rver (pinned in package.json beside this script) into DIR, once: the s3 store
# tests (tests/core/s3rver_process.cpp) run it from there. Run by pkg/build.sh into the build
# directory and by the tests themselves when it is missing. Parallel runs share one install
# (flock). Exit code non-zero, with npm's output, when the install fails.
#   bash tests/core/s3rver/install.sh DIR
set -euo pipefail
dir=$1
mkdir -p "$dir"
cp "$(dirname "$0")/package.json" "$dir/"
cd "$dir"
flock .lock sh -c 'test -f node_modules/s3rver/bin/s3rver.js ||
  timeout 300 npm install --no-audit --no-fund --loglevel=error'
