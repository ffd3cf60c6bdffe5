#!/usr/bin/env bash
# Line-protocol ingest throughput of a running sundial server, over HTTP (/write, one 50k-line
# file per request) and TCP (port 9009 style), with the TSBS-like cpu dataset, plus the
# in-process parse+append+commit rate. Records rows/s and the server's peak RSS (VmHWM).
#
#   bash bench/ingest.sh [BUILD_DIR]        (default build; needs BUILD_DIR/sundial)
#   env: ROWS=5000000 DATA=/tmp/peers/data CONNS=2
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
ROWS=${ROWS:-5000000}
DATA=${DATA:-/tmp/peers/data}
CONNS=${CONNS:-2}
LP="$DATA/cpu-$ROWS/lp"
GEN=/work/shared/peers/gen.py
[ -f "$GEN" ] || GEN=bench/peers/gen.py
if [ ! -d "$LP" ]; then
  python3 "$GEN" --rows "$ROWS" --out "$DATA" >/dev/null
fi
FILES=$(ls "$LP"/part-*.lp)

g++ -O2 -std=c++20 -o "$BUILD/ingest_lp_bench" bench/ingest_lp_bench.cpp -pthread
g++ -O2 -std=c++20 -DSUNDIAL_INPROC -I. -I"$BUILD/http/generated" -o "$BUILD/ingest_lp_bench_inproc" \
  bench/ingest_lp_bench.cpp "$BUILD/http/libsundial_http.a" "$BUILD/sql/libsundial_sql.a" \
  "$BUILD/cairo/libsundial_cairo.a" "$BUILD/core/libsundial_core.a" -pthread

now() { date +%s.%N; }

run_server_mode() {
  local mode=$1 root http_port=19190 tcp_port=19199 pid t0 t1 count hwm
  root=$(mktemp -d)
  SUNDIAL_HTTP_BIND_TO=127.0.0.1:$http_port SUNDIAL_LINE_TCP_NET_BIND_TO=127.0.0.1:$tcp_port \
    "$BUILD/sundial" -d "$root" 2>"$root.log" &
  pid=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$http_port/ping" >/dev/null && break; sleep 0.1; done
  t0=$(now)
  if [ "$mode" = http ]; then
    "$BUILD/ingest_lp_bench" http $http_port "$CONNS" $FILES >/dev/null
  else
    "$BUILD/ingest_lp_bench" tcp $tcp_port "$CONNS" $FILES >/dev/null
  fi
  t1=$(now)
  # Wait until every row is visible to queries.
  for _ in $(seq 600); do
    count=$(curl -s -G --data-urlencode "query=select count() from cpu" "http://127.0.0.1:$http_port/exec" \
      | sed -n 's/.*"dataset":\[\[\([0-9]*\)\]\].*/\1/p')
    [ "${count:-0}" = "$ROWS" ] && break
    sleep 0.05
  done
  local t2; t2=$(now)
  hwm=$(awk '/VmHWM/{print $2}' /proc/$pid/status)
  kill -TERM $pid; wait $pid || true
  awk -v m="$mode" -v r="$ROWS" -v a="$t0" -v b="$t1" -v c="$t2" -v h="$hwm" -v n="${count:-0}" 'BEGIN {
    printf "%s: rows=%d visible=%d ack_s=%.2f visible_s=%.2f rows_per_s=%.0f peak_rss_mb=%.1f\n",
      m, r, n, b-a, c-a, r/(c-a), h/1024 }'
  rm -rf "$root" "$root.log"
}

echo "dataset: $LP ($ROWS rows, $(du -sb "$LP" | cut -f1) bytes), senders: $CONNS"
run_server_mode http
run_server_mode tcp
root=$(mktemp -d)
"$BUILD/ingest_lp_bench_inproc" inproc "$root" $FILES
rm -rf "$root"
