#!/usr/bin/env bash
# DuckDB (embedded; npm @duckdb/node-api, driven by duckdb_bench.mjs under Node): no server.
# Ingest = COPY cpu FROM '<csv>/part-*.csv' into a persistent DB file + CHECKPOINT; queries Q1-Q5 measured
# in-process (performance.now() around runAndReadAll) and as one fresh `node` process per query (hyperfine:
# process start + module load + open DB + query + close), the latter being the analogue of curl-per-query.
# Backup = cp of the closed DB file (also EXPORT DATABASE (FORMAT PARQUET), in-process); restore = open the
# copy + count(*).
# Env (besides lib.sh's): VARIANT=varchar|enum (hostname/region column type, default varchar),
#   DUCKDB_NODE_DIR (default $SCRATCH/duckdb-node), DUCKDB_NODE_VERSION (default 1.5.6-r.1).
SYS=duckdb
source "$(dirname "$0")/lib.sh"
D=$WORK/db; DB=$D/cpu.duckdb; BK=$WORK/backup; R=$WORK/restore
VARIANT=${VARIANT:-varchar}
export DUCKDB_NODE_DIR=${DUCKDB_NODE_DIR:-$SCRATCH/duckdb-node}
DUCKDB_NODE_VERSION=${DUCKDB_NODE_VERSION:-1.5.6-r.1}
BENCH="$HERE/duckdb_bench.mjs"
export WORK OUTD N DATA RUNS SYS DB VARIANT QDIR

if [ ! -f "$DUCKDB_NODE_DIR/node_modules/@duckdb/node-api/package.json" ]; then
  log "npm install @duckdb/node-api@$DUCKDB_NODE_VERSION into $DUCKDB_NODE_DIR"
  mkdir -p "$DUCKDB_NODE_DIR"
  [ -f "$DUCKDB_NODE_DIR/package.json" ] || echo '{"private":true}' > "$DUCKDB_NODE_DIR/package.json"
  (cd "$DUCKDB_NODE_DIR" && npm install --no-audit --no-fund "@duckdb/node-api@$DUCKDB_NODE_VERSION" >&2)
fi

# query texts: DuckDB SQL equivalents of the ClickHouse column (TIMESTAMP literals for the day bounds)
QD=$(meta qday_iso); QE=$(meta qday_end_iso); QD=${QD/T/ }; QD=${QD%Z}; QE=${QE/T/ }; QE=${QE%Z}
QF=$QDIR/duckdb
echo "SELECT count(*) FROM cpu" > "$QF-q1.sql"
echo "SELECT hostname, max(usage_user) FROM cpu GROUP BY hostname" > "$QF-q2.sql"
echo "SELECT hostname, date_trunc('hour', ts) AS hour, avg(usage_user) AS avg_user, avg(usage_system) AS avg_system, avg(usage_idle) AS avg_idle FROM cpu WHERE ts >= TIMESTAMP '$QD' AND ts < TIMESTAMP '$QE' GROUP BY hostname, hour ORDER BY hostname, hour" > "$QF-q3.sql"
echo "SELECT * FROM cpu QUALIFY row_number() OVER (PARTITION BY hostname ORDER BY ts DESC) = 1 ORDER BY hostname" > "$QF-q4.sql"
echo "SELECT count(*) FROM cpu WHERE usage_user > 90 AND ts >= TIMESTAMP '$QD' AND ts < TIMESTAMP '$QE'" > "$QF-q5.sql"
echo "SELECT 1" > "$QF-q0.sql"

rm -rf "$D" "$BK" "$R" "$WORK/export" "$WORK/parquet"
log "main: ingest $N rows from $DATA/csv ($VARIANT), in-process queries, EXPORT DATABASE"
node "$BENCH" main
result disk_final_bytes "$(stat -c %s "$DB")" B
[ ! -e "$DB.wal" ] || result wal_final_bytes "$(stat -c %s "$DB.wal")" B

# one fresh node process per query (READ_ONLY open), hyperfine like qbench: 1 warm-up + RUNS, median
pbench() { # pbench NAME ARGS... (arguments of duckdb_bench.mjs)
  local name=$1; shift
  hyperfine -N --style none --warmup 1 --runs "$RUNS" --export-json "$OUTD/$SYS-$name.hf.json" \
    "node $BENCH $*" >/dev/null
  result "${name}_median_ms" "$(python3 -c "import json;r=json.load(open('$OUTD/$SYS-$name.hf.json'))['results'][0];print('%.1f'%(r['median']*1000))")" ms
}
log "process-per-query"
pbench process_select1 query "$DB" "$QF-q0.sql"
for i in 1 2 3 4 5; do pbench q${i}_process query "$DB" "$QF-q$i.sql"; done

log "backup: cp of the closed DB file"
mkdir -p "$BK"
timed backup cp "$DB" "$BK/"
result backup_total_s "$LAST_SYNC_S" s
result backup_bytes "$(stat -c %s "$BK/cpu.duckdb")" B

log "restart on original file: fresh process, open + count(*)"
t0=$(now); node "$BENCH" count "$DB" restart; result restart_to_count_s "$(sub "$t0" "$(now)")" s

log "restore: fresh process, open the copied file + count(*)"
t0=$(now); node "$BENCH" count "$BK/cpu.duckdb" restore; result restore_total_s "$(sub "$t0" "$(now)")" s
result restored_disk_bytes "$(stat -c %s "$BK/cpu.duckdb")" B

log "physical baseline"
phys_baseline "$D"
[ "$KEEP" = 1 ] || rm -rf "$D" "$BK" "$R" "$WORK/export" "$WORK/parquet"
log done
