#!/usr/bin/env bash
# bench/backup_ops.sh — the backup figures of bench/RESULTS.md "Backup", against the real server
# over HTTP, each comparison inside one run:
#   incremental  second BACKUP DATABASE of an unchanged ROWS-row database ÷ the first (time,
#                bytes written); aim < 5 %.
#   verify       VERIFY BACKUP over /exec and `sundial verify` of that full backup ÷ `cat` of its
#                files to /dev/null; warm page cache, then cold (each file's pages dropped with
#                `dd iflag=nocache`, no root needed; the host may still cache the virtual disk);
#                aim ≤ 1.5 ×.
#   ingest       bench/ingest.sh's sender (HTTP /write, CONNS connections) alone, with BACKUP
#                DATABASE back to back over /exec, and the same with
#                cairo.sql.backup.max.bytes.per.sec=PACE; RUNS alternations, ratios per run;
#                aim ≥ 0.9.
#
#   bash bench/backup_ops.sh [BUILD_DIR]          (default build; needs BUILD_DIR/sundial)
#   env: ROWS=5000000 DATA=/tmp/peers/data CONNS=2 RUNS=3 PACE=64m PORT=19290
#        PARTS="incremental verify ingest"  WORK=$TMPDIR or /tmp
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
ROWS=${ROWS:-5000000}
DATA=${DATA:-/tmp/peers/data}
CONNS=${CONNS:-2}
RUNS=${RUNS:-3}
PACE=${PACE:-64m}
PORT=${PORT:-19290}
PARTS=${PARTS:-incremental verify ingest}
WORK=${WORK:-${TMPDIR:-/tmp}}
LP="$DATA/cpu-$ROWS/lp"
[ -x "$BUILD/sundial" ] || { echo "no $BUILD/sundial: build it first" >&2; exit 1; }
[ -d "$LP" ] || python3 bench/peers/gen.py --rows "$ROWS" --out "$DATA" >/dev/null
FILES=$(ls "$LP"/part-*.lp)
SENDER="$BUILD/ingest_lp_bench"
g++ -O2 -std=c++20 -o "$SENDER" bench/ingest_lp_bench.cpp -pthread

SERVER_PID=
stop_server() {
  if [ -n "$SERVER_PID" ]; then kill -TERM "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" || true; fi
  SERVER_PID=
}
trap stop_server EXIT

# start_server ROOT [VAR=value...]: serves ROOT on PORT (backup root ROOT.bk) with extra env.
start_server() {
  local root=$1
  shift
  env "$@" SUNDIAL_HTTP_BIND_TO=127.0.0.1:$PORT SUNDIAL_LINE_TCP_NET_BIND_TO=127.0.0.1:$((PORT + 9)) \
    SUNDIAL_CAIRO_SQL_BACKUP_ROOT="$root.bk" "$BUILD/sundial" -d "$root" 2>>"$root.log" &
  SERVER_PID=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/ping" >/dev/null && return; sleep 0.1; done
  echo "server did not start; log: $root.log" >&2
  exit 1
}

sql() { curl -sf -G --data-urlencode "query=$1" "http://127.0.0.1:$PORT/exec"; }
now() { date +%s.%N; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }'; }
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
# The last "backup complete" line of the server log, as "bytes linked_bytes ms".
last_backup() {
  grep 'backup complete' "$1" | tail -1 |
    sed -E 's/.*bytes=([0-9]+), linked_bytes=([0-9]+), ms=([0-9]+).*/\1 \2 \3/'
}
drop_cache() { find "$1" -type f -exec dd if={} iflag=nocache count=0 status=none \; ; }

ingest() {  # ingest ROOT: sends the dataset, prints rows/s until visible
  VISIBLE_HTTP_PORT=$PORT "$SENDER" http "$PORT" "$CONNS" $FILES |
    awk '/^visible:/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "rows_per_s") print kv[2] } }'
}

echo "dataset: $LP ($ROWS rows), senders: $CONNS, machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), git $(git rev-parse --short HEAD 2>/dev/null || echo '?')"

if [[ " $PARTS " == *" incremental "* || " $PARTS " == *" verify "* ]]; then
  root=$(mktemp -d "$WORK/backup-ops.XXXXXX")
  start_server "$root"
  ingest "$root" >/dev/null
  sync
  t0=$(now); sql "BACKUP DATABASE" >/dev/null; t1=$(now)
  read -r b1 l1 ms1 < <(last_backup "$root.log")
  first=$(ls -t "$root.bk" | grep -v -e '^tmp$' -e '^_' | head -1)
  t2=$(now); sql "BACKUP DATABASE" >/dev/null; t3=$(now)
  read -r b2 l2 ms2 < <(last_backup "$root.log")
  s1=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
  s2=$(awk -v a="$t2" -v b="$t3" 'BEGIN { printf "%.3f", b - a }')
  if [[ " $PARTS " == *" incremental "* ]]; then
    echo "incremental: first backup ${s1} s (server ${ms1} ms), ${b1} bytes written; second, nothing changed: ${s2} s (server ${ms2} ms), ${b2} bytes written, ${l2} bytes hard-linked"
    echo "incremental: second ÷ first: time $(ratio "$s2" "$s1") (server ms $(ratio "$ms2" "$ms1")), bytes written $(ratio "$b2" "$b1")  (aim < 0.05)"
  fi
  if [[ " $PARTS " == *" verify "* ]]; then
    dir="$root.bk/$first"
    echo "verify: backup $first, $(du -sb "$dir" | cut -f1) bytes, $(find "$dir" -type f | wc -l) files"
    for cache in warm cold; do
      cats=; execs=; offs=
      for _ in $(seq "$RUNS"); do
        [ $cache = cold ] && drop_cache "$dir"
        t0=$(now); find "$dir" -type f -exec cat {} + >/dev/null; t1=$(now)
        [ $cache = cold ] && drop_cache "$dir"
        t1b=$(now); out=$(sql "VERIFY BACKUP '$first'"); t2=$(now)
        echo "$out" | grep -q '"count":0' || { echo "VERIFY BACKUP found problems: $out" >&2; exit 1; }
        [ $cache = cold ] && drop_cache "$dir"
        t3=$(now); "$BUILD/sundial" verify "$dir"; t4=$(now)
        cats="$cats $(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')"
        execs="$execs $(awk -v a="$t1b" -v b="$t2" 'BEGIN { print b - a }')"
        offs="$offs $(awk -v a="$t3" -v b="$t4" 'BEGIN { print b - a }')"
      done
      c=$(echo "$cats" | median); e=$(echo "$execs" | median); o=$(echo "$offs" | median)
      echo "verify ($cache cache, median of $RUNS): cat ${c} s, VERIFY BACKUP over /exec ${e} s = $(ratio "$e" "$c") × cat, sundial verify ${o} s = $(ratio "$o" "$c") × cat  (aim ≤ 1.5)"
      echo "verify ($cache) runs: cat [$cats ] exec [$execs ] offline [$offs ]"
    done
  fi
  stop_server
  rm -rf "$root" "$root.bk" "$root.log"
fi

# ingest_run MODE [VAR=value...]: one server, one send; MODE alone or loop (backups back to back).
ingest_run() {
  local mode=$1 root rate backups=0 cpid
  shift
  root=$(mktemp -d "$WORK/backup-ops.XXXXXX")
  start_server "$root" "$@"
  if [ "$mode" = loop ]; then
    ingest "$root" >"$root.rate" &
    cpid=$!
    while kill -0 $cpid 2>/dev/null; do
      if sql "BACKUP DATABASE" | grep -q '"ddl":"OK"'; then
        backups=$((backups + 1))
        rm -rf "$root.bk"/*  # as bench/ingest.sh: every backup is a full one
      fi
    done
    wait $cpid
    rate=$(cat "$root.rate")
  else
    rate=$(ingest "$root")
  fi
  stop_server
  rm -rf "$root" "$root.bk" "$root.log" "$root.rate"
  echo "$rate $backups"
}

if [[ " $PARTS " == *" ingest "* ]]; then
  r_unl=; r_pace=
  for run in $(seq "$RUNS"); do
    read -r alone _ < <(ingest_run alone)
    read -r unl n_unl < <(ingest_run loop)
    read -r paced n_paced < <(ingest_run loop SUNDIAL_CAIRO_SQL_BACKUP_MAX_BYTES_PER_SEC="$PACE")
    a=$(ratio "$unl" "$alone"); b=$(ratio "$paced" "$alone")
    r_unl="$r_unl $a"; r_pace="$r_pace $b"
    echo "ingest run $run (load $(cut -d' ' -f1 /proc/loadavg)): alone $alone rows/s; backup loop $unl rows/s = $a × ($n_unl backups); loop paced $PACE $paced rows/s = $b × ($n_paced backups)"
  done
  echo "ingest: with a backup loop ÷ alone, median of $RUNS: unlimited $(echo "$r_unl" | median), paced $PACE $(echo "$r_pace" | median)  (aim ≥ 0.9)"
fi
