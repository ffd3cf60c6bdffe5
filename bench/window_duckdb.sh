#!/usr/bin/env bash
# The window query of bench/window_bench.cpp (row_number() and a 10-row moving average per host
# over one day of the cpu table) in Sundial and in DuckDB (in-process, npm @duckdb/node-api), on
# the same data, in one run; prints both medians and their ratio.
#
#   bash bench/window_duckdb.sh             N=3,000,000 rows (the day queried holds 1,440,000), RUNS=5
#   N=1000000 RUNS=3 bash bench/window_duckdb.sh
#
# Env: N, RUNS, BUILD_DIR (build: needs the window_bench target), SCRATCH (/tmp/sundial-window-duckdb;
# gen.py's CSV and Sundial's table live there, removed at exit unless KEEP=1), DUCKDB_NODE_DIR
# (where @duckdb/node-api is npm-installed; installed there if missing), DUCKDB_NODE_VERSION.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
N=${N:-3000000}
RUNS=${RUNS:-5}
BUILD_DIR=${BUILD_DIR:-$REPO/build}
SCRATCH=${SCRATCH:-/tmp/sundial-window-duckdb}
export DUCKDB_NODE_DIR=${DUCKDB_NODE_DIR:-$SCRATCH/duckdb-node}
DUCKDB_NODE_VERSION=${DUCKDB_NODE_VERSION:-1.5.6-r.1}
case $(realpath -m "$SCRATCH") in
  /|/tmp|/root|/home|"$REPO"|"$REPO"/*) echo "refusing SCRATCH=$SCRATCH (it is removed at exit)" >&2; exit 2 ;;
esac
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$SCRATCH"' EXIT
mkdir -p "$SCRATCH"

if [ ! -f "$DUCKDB_NODE_DIR/node_modules/@duckdb/node-api/package.json" ]; then
  mkdir -p "$DUCKDB_NODE_DIR"
  [ -f "$DUCKDB_NODE_DIR/package.json" ] || echo '{"private":true}' > "$DUCKDB_NODE_DIR/package.json"
  (cd "$DUCKDB_NODE_DIR" && npm install --no-audit --no-fund "@duckdb/node-api@$DUCKDB_NODE_VERSION" >&2)
fi
[ -x "$BUILD_DIR/bench/window_bench" ] || cmake --build "$BUILD_DIR" --target window_bench -j2

echo "generating $N rows (bench/peers/gen.py)" >&2
python3 "$REPO/bench/peers/gen.py" --rows "$N" --out "$SCRATCH/data" >/dev/null

echo "sundial: bench/window_bench ($RUNS repetitions, median)" >&2
SUNDIAL_WINDOW_BENCH_DIR=$SCRATCH/sundial SUNDIAL_WINDOW_BENCH_ROWS=$N \
  "$BUILD_DIR/bench/window_bench" --benchmark_repetitions="$RUNS" \
  --benchmark_report_aggregates_only=true --benchmark_format=json > "$SCRATCH/sundial.json"
read -r S_MS S_SCAN_MS < <(python3 - "$SCRATCH/sundial.json" <<'PY'
import json, sys
m = {}
for x in json.load(open(sys.argv[1]))["benchmarks"]:
    if x.get("aggregate_name") == "median":
        m[x["run_name"].split("/")[0]] = x["real_time"]
print("%.1f %.1f" % (m["BM_Window_CpuDay"], m["BM_Window_CpuDayScan"]))
PY
)
echo "duckdb: bench/window_duckdb.mjs (1 warm-up + $RUNS, median)" >&2
D_OUT=$(node "$REPO/bench/window_duckdb.mjs" "$SCRATCH/data/cpu-$N/csv/part-*.csv" "$RUNS")
echo "$D_OUT"
D_MS=$(echo "$D_OUT" | sed -n 's/.*metric=window_cpu_day_ms value=\([0-9.]*\).*/\1/p')
echo "RESULT system=sundial metric=window_cpu_day_ms value=$S_MS unit=ms"
echo "RESULT system=sundial metric=window_cpu_day_scan_only_ms value=$S_SCAN_MS unit=ms"
python3 -c "print('RESULT metric=duckdb_over_sundial value=%.2f' % ($D_MS / $S_MS))"
