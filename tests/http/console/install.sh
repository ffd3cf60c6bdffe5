#!/usr/bin/env bash
# Installs npm's playwright-core (pinned in package.json beside this script) into DIR, once:
# tests/http/console_test.cpp drives the web console with it in Debian's chromium. Run by
# pkg/build.sh into the build directory and by the test itself when it is missing. Parallel
# runs share one install (flock). Exit code non-zero, with npm's output, when the install fails.
#   bash tests/http/console/install.sh DIR
set -euo pipefail
dir=$1
mkdir -p "$dir"
cp "$(dirname "$0")/package.json" "$dir/"
cd "$dir"
flock .lock sh -c 'test -f node_modules/playwright-core/package.json ||
  timeout 300 npm install --no-audit --no-fund --loglevel=error'
