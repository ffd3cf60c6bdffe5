#!/usr/bin/env bash
# bench/backup_store.sh — the object-store backup figures of bench/RESULTS.md: BACKUP DATABASE of
# a ROWS-row database (bench/peers/gen.py's `cpu` data, as bench/backup_ops.sh makes it) to npm's
# s3rver on loopback (backup.enabled=true + backup.object.store=s3::...), against the real server
# over HTTP:
#   full          the first backup: every file uploaded
#   incremental   a second backup with nothing changed (only the manifest and history go up),
#                 then a third after 1,000 more rows into the newest partition
#   restore       `sundial restore 's3::...' -d DIR` of the latest backup
# Uploads are counted from s3rver's own log ("Stored object ..."), bytes and times from the
# server's "backup complete" log line and from curl's wall time.
#
#   bash bench/backup_store.sh [BUILD_DIR]       (needs BUILD_DIR/sundial and s3rver installed by
#                                                 tests/core/s3rver/install.sh BUILD_DIR/tests/core/s3rver-run)
#   env: ROWS=5000000 DATA=/tmp/peers/data CONNS=2 PORT=19390 WORK=$TMPDIR or /tmp
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
ROWS=${ROWS:-5000000}
DATA=${DATA:-/tmp/peers/data}
CONNS=${CONNS:-2}
PORT=${PORT:-19390}
WORK=${WORK:-${TMPDIR:-/tmp}}
LP="$DATA/cpu-$ROWS/lp"
S3RVER="$BUILD/tests/core/s3rver-run/node_modules/s3rver/bin/s3rver.js"
[ -x "$BUILD/sundial" ] || { echo "no $BUILD/sundial: build it first" >&2; exit 1; }
[ -f "$S3RVER" ] || bash tests/core/s3rver/install.sh "$BUILD/tests/core/s3rver-run" >/dev/null
[ -d "$LP" ] || python3 bench/peers/gen.py --rows "$ROWS" --out "$DATA" >/dev/null
FILES=$(ls "$LP"/part-*.lp)
SENDER="$BUILD/ingest_lp_bench"
g++ -O2 -std=c++20 -o "$SENDER" bench/ingest_lp_bench.cpp -pthread

work=$(mktemp -d "$WORK/backup-store.XXXXXX")
SERVER_PID= S3_PID=
cleanup() {
  [ -n "$SERVER_PID" ] && { kill -TERM "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" || true; }
  [ -n "$S3_PID" ] && { kill -TERM "$S3_PID" 2>/dev/null || true; wait "$S3_PID" || true; }
  rm -rf "$work"
}
trap cleanup EXIT

# s3rver: FORCE_COLOR keeps its request log whole (see tests/core/s3rver_process.cpp).
FORCE_COLOR=1 node --openssl-legacy-provider "$S3RVER" -d "$work/s3" -a 127.0.0.1 -p $((PORT + 1)) \
  --configure-bucket bench >"$work/s3rver.log" 2>&1 &
S3_PID=$!
for _ in $(seq 100); do grep -q "listening" "$work/s3rver.log" && break; sleep 0.1; done
STORE="s3::bucket=bench;root=sundial;region=us-east-1;endpoint=http://127.0.0.1:$((PORT + 1));access_key_id=S3RVER;secret_access_key=S3RVER;"

env SUNDIAL_HTTP_BIND_TO=127.0.0.1:$PORT SUNDIAL_LINE_TCP_NET_BIND_TO=127.0.0.1:$((PORT + 9)) \
  SUNDIAL_BACKUP_ENABLED=true SUNDIAL_BACKUP_OBJECT_STORE="$STORE" \
  "$BUILD/sundial" -d "$work/root" 2>>"$work/server.log" &
SERVER_PID=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/ping" >/dev/null && break; sleep 0.1; done

sql() { curl -sf -G --data-urlencode "query=$1" "http://127.0.0.1:$PORT/exec"; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
stored() { sed 's/\x1b\[[0-9;]*m//g' "$work/s3rver.log" | grep -c "Stored object \"sundial/$1" || true; }
last_backup() {  # "bytes linked_bytes ms" of the last backup
  grep 'backup complete' "$work/server.log" | tail -1 |
    sed -E 's/.*bytes=([0-9]+), linked_bytes=([0-9]+), ms=([0-9]+).*/\1 \2 \3/'
}
backup() {  # backup LABEL: one BACKUP DATABASE, one line of figures
  local b0 m0 t0 t1 bytes linked ms
  b0=$(stored blobs/); m0=$(stored backups/)
  t0=$(now); sql "BACKUP DATABASE" >/dev/null; t1=$(now)
  read -r bytes linked ms < <(last_backup)
  echo "$1: $(secs "$t0" "$t1") s (server ${ms} ms), objects stored by s3rver: $(( $(stored blobs/) - b0 )) blobs + $(( $(stored backups/) - m0 )) manifest, bytes uploaded ${bytes}, bytes referenced ${linked}"
}

echo "dataset: $LP ($ROWS rows), machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), git $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
VISIBLE_HTTP_PORT=$PORT "$SENDER" http "$PORT" "$CONNS" $FILES >/dev/null
echo "rows: $(sql 'SELECT count() FROM cpu' | grep -o '"dataset":\[\[[0-9]*' | grep -o '[0-9]*$'), root $(du -sb "$work/root/db" | cut -f1) bytes"
sync
backup "full"
backup "incremental, nothing changed"
tail -n 1000 "$(echo "$FILES" | tail -1)" > "$work/more.lp"
curl -sf --data-binary @"$work/more.lp" "http://127.0.0.1:$PORT/write" >/dev/null
backup "incremental, +1000 rows in the newest partition"
echo "store: $(find "$work/s3/bench" -type f -name '*._S3rver_object' | wc -l) objects, $(du -sb "$work/s3/bench" | cut -f1) bytes on s3rver's disk"
t0=$(now)
"$BUILD/sundial" restore "$STORE" -d "$work/restored" 2>/dev/null
t1=$(now)
echo "restore of the latest backup: $(secs "$t0" "$t1") s, $(du -sb "$work/restored" | cut -f1) bytes"
