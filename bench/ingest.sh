#!/usr/bin/env bash
# Line-protocol ingest throughput of a running sundial server, over HTTP (/write, one 50k-line
# file per request) and TCP (port 9009 style), with the TSBS-like cpu dataset, plus the
# in-process parse+append+commit rate. Records rows/s and the server's peak RSS (VmHWM).
# "http+backup" repeats the HTTP run while `BACKUP DATABASE` runs back to back over /exec:
# writers must not wait for backups, so its rows/s should stay close to the plain HTTP run's.
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
GEN=bench/peers/gen.py
if [ ! -d "$LP" ]; then
  python3 "$GEN" --rows "$ROWS" --out "$DATA" >/dev/null
fi
FILES=$(ls "$LP"/part-*.lp)

g++ -O2 -std=c++20 -o "$BUILD/ingest_lp_bench" bench/ingest_lp_bench.cpp -pthread
g++ -O2 -std=c++20 -DSUNDIAL_INPROC -I. -I"$BUILD/http/generated" -o "$BUILD/ingest_lp_bench_inproc" \
  bench/ingest_lp_bench.cpp "$BUILD/http/libsundial_http.a" "$BUILD/sql/libsundial_sql.a" \
  "$BUILD/cairo/libsundial_cairo.a" "$BUILD/core/libsundial_core.a" -pthread

run_server_mode() {
  local mode=$1 root http_port=19190 tcp_port=19199 pid out hwm port client backups=0
  root=$(mktemp -d)
  SUNDIAL_HTTP_BIND_TO=127.0.0.1:$http_port SUNDIAL_LINE_TCP_NET_BIND_TO=127.0.0.1:$tcp_port \
    SUNDIAL_CAIRO_SQL_BACKUP_ROOT="$root.bk" "$BUILD/sundial" -d "$root" 2>"$root.log" &
  pid=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$http_port/ping" >/dev/null && break; sleep 0.1; done
  port=$http_port; client=${mode%+backup}; [ "$client" = tcp ] && port=$tcp_port
  # The client loads the files, then times sending until count() answers every row.
  if [ "$mode" = http+backup ]; then
    VISIBLE_HTTP_PORT=$http_port "$BUILD/ingest_lp_bench" "$client" "$port" "$CONNS" $FILES >"$root.out" &
    local cpid=$!
    while kill -0 $cpid 2>/dev/null; do
      if curl -sf -G --data-urlencode "query=BACKUP DATABASE" "http://127.0.0.1:$http_port/exec" \
          | grep -q '"ddl":"OK"'; then
        backups=$((backups + 1))
        rm -rf "$root.bk"/*  # keep only the disk of the run in use
      fi
    done
    wait $cpid
    out=$(cat "$root.out")
    mode="$mode ($backups backups completed)"
  else
    out=$(VISIBLE_HTTP_PORT=$http_port "$BUILD/ingest_lp_bench" "$client" "$port" "$CONNS" $FILES)
  fi
  hwm=$(awk '/VmHWM/{print $2}' /proc/$pid/status)
  kill -TERM $pid; wait $pid || true
  echo "$out" | awk -v m="$mode" -v h="$hwm" '
    /^mode=/ { for (i = 1; i <= NF; i++) { split($i, kv, "="); a[kv[1]] = kv[2] } }
    /^visible:/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
    END { printf "%s: rows=%d ack_s=%.2f visible_s=%.2f rows_per_s=%.0f peak_rss_mb=%.1f%s\n",
            m, v["rows"], a["seconds"], v["seconds"], v["rows_per_s"], h / 1024,
            m ~ /^http/ ? sprintf(" slowest_write_ms=%.1f", a["max_request_ms"]) : "" }'
  rm -rf "$root" "$root.log" "$root.out" "$root.bk"
}

echo "dataset: $LP ($ROWS rows, $(du -sb "$LP" | cut -f1) bytes), senders: $CONNS"
run_server_mode http
run_server_mode http+backup
run_server_mode tcp
root=$(mktemp -d)
"$BUILD/ingest_lp_bench_inproc" inproc "$root" $FILES
rm -rf "$root"
