#!/usr/bin/env bash
# Installs npm's @questdb/sql-grammar (pinned in package.json beside this script) into DIR, once,
# and writes its function list to DIR/functions.txt and its data type list to DIR/types.txt (one
# name a line): the function walk test (tests/sql/function_walk_test.cpp) reads them. Run by the test itself when the list is missing.
# Parallel runs share one install (flock). Exit code non-zero, with npm's output, when npm or
# node is missing or the install fails.
#   bash tests/sql/sql_grammar/install.sh DIR
set -euo pipefail
dir=$1
mkdir -p "$dir"
cp "$(dirname "$0")/package.json" "$dir/"
cd "$dir"
flock .lock sh -c '(test -f functions.txt && test -f types.txt) ||
  { timeout 300 npm install --no-audit --no-fund --loglevel=error &&
    node -e "console.log(require(\"@questdb/sql-grammar\").functions.join(\"\\n\"))" > functions.tmp &&
    node -e "console.log(require(\"@questdb/sql-grammar\").dataTypes.join(\"\\n\"))" > types.tmp &&
    mv functions.tmp functions.txt && mv types.tmp types.txt; }'
