#!/usr/bin/env bash
# Measures Sundial against its peers (InfluxDB, VictoriaMetrics, ClickHouse, DuckDB) on the same data in
# one run, next to the machine's physical limits and the ingest harness's own ceiling (bench/peers/run_sink.sh),
# and prints one markdown table at the end.
#
#   bash bench/compare.sh            N=5,000,000 rows, RUNS=5, all systems
#   bash bench/compare.sh --quick    N=200,000 rows, RUNS=3 (smoke run, a few minutes)
#   SCALES="5000000 50000000" bash bench/compare.sh    the same table at both sizes + growth table
#
# Env: N (rows, 5000000), SCALES (row counts, default "$N"), RUNS (5), PAR (parallel senders, 2),
#   SYSTEMS ("sundial influx vm clickhouse duckdb"), SCRATCH (/tmp/sundial-compare; removed at exit
#   unless KEEP=1), OUT (where the table and raw RESULT lines are saved, default /tmp/sundial-compare-<UTC>.md),
#   BUILD_DIR (build-compare), SKIP_BUILD=1 (use the existing $BUILD_DIR/sundial), SUNDIAL_BIN (a binary
#   to use instead of building), INSTALL=0 (do not apt-get/npm install what is missing), COLD=1 (also
#   cold-cache copies; drops the page cache of the whole machine), DUCKDB_NODE_DIR (where @duckdb/node-api
#   is npm-installed; default $SCRATCH/duckdb-node).
# Runs as root on a fresh Debian machine; every server binds 127.0.0.1 only and is stopped by its PID.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
PEERDIR=$REPO/bench/peers

usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; }
QUICK=0
for arg in "$@"; do
  case $arg in
    --quick) QUICK=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown argument: $arg (try --help)" >&2; exit 2 ;;
  esac
done
if [ "$QUICK" = 1 ]; then N=${N:-200000}; RUNS=${RUNS:-3}; fi
N=${N:-5000000}
SCALES=${SCALES:-$N}
export RUNS=${RUNS:-5} PAR=${PAR:-2} COLD=${COLD:-0} KEEP=${KEEP:-0}
SYSTEMS=${SYSTEMS:-"sundial influx vm clickhouse duckdb"}
export SCRATCH=${SCRATCH:-/tmp/sundial-compare}
BUILD_DIR=${BUILD_DIR:-build-compare}
STAMP=$(date -u +%Y%m%d-%H%M%S)
OUT=${OUT:-/tmp/sundial-compare-$STAMP.md}
RES=$SCRATCH/results
export DUCKDB_NODE_DIR=${DUCKDB_NODE_DIR:-$SCRATCH/duckdb-node}

say() { echo "[compare $(date -u +%H:%M:%S)] $*" >&2; }
# SCRATCH is removed at exit: refuse anything that is not a dedicated directory outside the repository
case $(realpath -m "$SCRATCH") in
  /|/tmp|/root|/home|"$HOME"|"$REPO"|"$REPO"/*) say "refusing SCRATCH=$SCRATCH (it is removed at exit)"; exit 2 ;;
esac
CHILD=
cleanup() {
  local rc=$?
  if [ -n "$CHILD" ] && kill -0 "$CHILD" 2>/dev/null; then
    kill -TERM "$CHILD" 2>/dev/null || true; wait "$CHILD" 2>/dev/null || true
  fi
  if [ "$KEEP" = 1 ]; then say "KEEP=1: scratch kept in $SCRATCH"; else rm -rf "$SCRATCH"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# install_missing : apt-get/npm what the selected systems need and this machine lacks
install_missing() {
  local pkgs=() s
  command -v curl >/dev/null || pkgs+=(curl)
  command -v python3 >/dev/null || pkgs+=(python3)
  command -v hyperfine >/dev/null || pkgs+=(hyperfine)
  command -v zstd >/dev/null || pkgs+=(zstd)
  command -v gcc >/dev/null || pkgs+=(gcc)
  for s in $SYSTEMS; do
    case $s in
      influx) command -v influxd >/dev/null || pkgs+=(influxdb) ;;
      vm) command -v victoria-metrics >/dev/null && command -v vmbackup >/dev/null || pkgs+=(victoria-metrics) ;;
      clickhouse) [ -x /usr/sbin/clickhouse-server ] || pkgs+=(clickhouse-server clickhouse-client) ;;
      duckdb) command -v node >/dev/null || pkgs+=(nodejs); command -v npm >/dev/null || pkgs+=(npm) ;;
    esac
  done
  [ ${#pkgs[@]} -gt 0 ] || return 0
  if [ "${INSTALL:-1}" != 1 ] || [ "$(id -u)" != 0 ]; then
    say "missing packages: ${pkgs[*]} (run as root, or install them)"; exit 1
  fi
  say "apt-get install ${pkgs[*]}"
  apt-get update -qq
  # policy-rc.d may refuse to start the packaged services; we never use them (own configs, own ports)
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}" >/dev/null
}

# sundial_bin : build Sundial (Release, pkg/build.sh) unless told not to; prints the binary path
sundial_bin() {
  if [ -n "${SUNDIAL_BIN:-}" ]; then echo "$SUNDIAL_BIN"; return; fi
  if [ "${SKIP_BUILD:-0}" != 1 ]; then
    say "building Sundial (Release) into $BUILD_DIR: bash pkg/build.sh"
    if ! (cd "$REPO" && BUILD_DIR=$BUILD_DIR bash pkg/build.sh) >"$RES/build.log" 2>&1; then
      say "pkg/build.sh failed (tail below); retrying with only the sundial target, benchmarks off"
      tail -8 "$RES/build.log" >&2
      { cmake -S "$REPO" -B "$REPO/$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DSUNDIAL_BUILD_BENCH=OFF &&
        cmake --build "$REPO/$BUILD_DIR" -j "$(nproc)" --target sundial; } >>"$RES/build.log" 2>&1 ||
        { say "build failed, see the tail below"; tail -20 "$RES/build.log" >&2; return 1; }
    fi
  fi
  local b
  for b in "$REPO/$BUILD_DIR/sundial" "$REPO/$BUILD_DIR/http/sundial"; do
    [ -x "$b" ] && { echo "$b"; return; }
  done
  say "no sundial binary in $REPO/$BUILD_DIR"; return 1
}

# enough_disk N : true if the scratch filesystem has room for N rows (≈ 800 B/row: LP + CSV + one
# system's data and backup at a time; 40 GB for 50M rows)
enough_disk() {
  local need_kb=$(( $1 * 800 / 1024 )) free_kb
  free_kb=$(df -Pk "$SCRATCH" | awk 'NR==2{print $4}')
  [ "$free_kb" -ge "$need_kb" ] && return 0
  say "skipping N=$1: $(( free_kb / 1048576 )) GB free in $SCRATCH, need $(( need_kb / 1048576 )) GB"
  return 1
}

# run_system SYS N : one system's script at N rows; RESULT lines to $RES/N.txt, progress to stderr + log
run_system() {
  local s=$1 n=$2 rc=0 t0
  t0=$(date +%s)
  say "---- $s, N=$n ----"
  N=$n DATA=$SCRATCH/data/cpu-$n "$PEERDIR/run_$s.sh" >>"$RES/$n.txt" 2> >(tee -a "$RES/$n-$s.log" >&2) &
  CHILD=$!
  wait "$CHILD" || rc=$?
  CHILD=
  echo "# system=$s exit=$rc wall=$(( $(date +%s) - t0 ))s" >>"$RES/$n.txt"
  [ "$rc" = 0 ] || say "$s exited with $rc (see $RES/$n-$s.log)"
}

# sundial_inproc N : Sundial's in-process SQL figures, if the SQL engineer's bench binary exists
sundial_inproc() {
  local n=$1 b
  b=$(find "$REPO/$BUILD_DIR/bench" -name sql_queries_bench -type f -perm -u+x 2>/dev/null | head -1) || true
  [ -n "$b" ] || { echo "RESULT system=sundial_inproc metric=note value=\"not measured: no $BUILD_DIR/bench/sql_queries_bench (the SQL engineer's in-process bench)\"" >"$RES/inproc-$n.txt"; return 0; }
  say "Sundial in-process SQL: $b (builds its own cpu table of $n rows)"
  SQLBENCH_DIR=$SCRATCH/sqlbench-$n python3 "$PEERDIR/inproc.py" "$b" "$SCRATCH/data/cpu-$n" \
    >"$RES/inproc-$n.txt" 2>>"$RES/$n-inproc.log" ||
    echo "RESULT system=sundial_inproc metric=note value=\"sql_queries_bench failed, see log\"" >"$RES/inproc-$n.txt"
  rm -rf "$SCRATCH/sqlbench-$n"
}

main() {
  mkdir -p "$SCRATCH" "$RES"
  install_missing
  local s n scales=() systems=()
  for n in $SCALES; do enough_disk "$n" && scales+=("$n"); done
  [ ${#scales[@]} -gt 0 ] || { say "no scale fits on this disk"; exit 1; }
  for s in $SYSTEMS; do
    [ -x "$PEERDIR/run_$s.sh" ] || { say "unknown system: $s"; exit 2; }
    systems+=("$s")
  done
  if [[ " ${systems[*]} " == *" sundial "* ]]; then
    if SUNDIAL_BIN=$(sundial_bin); then
      export SUNDIAL_BIN
      export SUNDIAL_VERSION="git $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')$(
        git -C "$REPO" diff --quiet HEAD -- 2>/dev/null || echo '+dirty')"
      say "sundial: $SUNDIAL_BIN ($SUNDIAL_VERSION)"
    else
      say "Sundial is not measured in this run (no binary)"
      for n in "${scales[@]}"; do echo "# system=sundial exit=99 (no binary)" >>"$RES/$n.txt"; done
      systems=("${systems[@]/sundial}")
    fi
  fi

  say "physical limits"
  "$PEERDIR/physlimits.sh" >"$RES/machine.txt" 2>>"$RES/physlimits.log"

  for n in "${scales[@]}"; do
    if [ ! -f "$SCRATCH/data/cpu-$n/meta.json" ]; then
      say "generating the cpu dataset, N=$n"
      python3 "$PEERDIR/gen.py" --rows "$n" --out "$SCRATCH/data" >/dev/null
    fi
    cp "$SCRATCH/data/cpu-$n/meta.json" "$RES/meta-$n.json"
    run_system sink "$n"   # the harness's ceiling (bench/peers/run_sink.sh)
    for s in "${systems[@]}"; do
      if [ -n "$s" ]; then run_system "$s" "$n"; fi
    done
    if [[ " ${systems[*]} " == *" sundial "* ]]; then sundial_inproc "$n"; fi
    [ "$KEEP" = 1 ] || rm -rf "$SCRATCH/data/cpu-$n"   # room for the next scale
  done

  {
    echo "# bench/compare.sh run $(date -u +%Y-%m-%dT%H:%M:%SZ) host=$(hostname) kernel=$(uname -r)"
    echo "# SCALES=\"${scales[*]}\" RUNS=$RUNS PAR=$PAR SYSTEMS=\"$SYSTEMS\" sundial=${SUNDIAL_VERSION:-none}"
    echo "# packages: $(dpkg-query -W -f='${Package}=${Version} ' influxdb victoria-metrics clickhouse-server hyperfine curl nodejs 2>/dev/null || true)"
    echo
    python3 "$PEERDIR/table.py" "$RES"
    echo
    echo "<details><summary>raw RESULT lines</summary>"
    echo
    echo '```'
    cat "$RES/machine.txt" "$RES"/[0-9]*.txt
    cat "$RES"/inproc-*.txt 2>/dev/null || true
    echo '```'
    echo "</details>"
  } >"$OUT"
  sed '/^<details>/,$d' "$OUT"
  say "saved to $OUT"
}

main
