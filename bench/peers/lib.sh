# Common helpers for bench/peers/run_*.sh (sourced; bash only). Adapted from the project's shared peer
# harness: everything lives under $SCRATCH, ports are configurable, and query checks tolerate errors.
# Every script prints `RESULT system=<sys> metric=<m> value=<v> [unit=<u>]` lines on stdout.
set -euo pipefail
SCRATCH=${SCRATCH:-/tmp/sundial-compare}
HERE=${HERE:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
N=${N:-5000000}
DATA=${DATA:-$SCRATCH/data/cpu-$N}
META=$DATA/meta.json
WORK=$SCRATCH/run/$SYS-$N     # this system's data, backups, logs at this scale
OUTD=$SCRATCH/out/$N          # saved query answers and hyperfine JSON
QDIR=$SCRATCH/q/$N            # query texts
PAR=${PAR:-2}                 # parallel HTTP senders
RUNS=${RUNS:-5}               # query repetitions (median reported, after 1 warm-up)
COLD=${COLD:-0}               # 1 = also cold-cache figures: cp, queries, restart (drops the whole page cache)
KEEP=${KEEP:-0}               # 1 = keep this system's data/backup dirs after the run
CLK_TCK=$(getconf CLK_TCK)
[ -f "$META" ] || { echo "missing $META: run gen.py --rows $N --out $SCRATCH/data first" >&2; exit 1; }
mkdir -p "$WORK" "$OUTD" "$QDIR"
# The interpreter of the small JSON and arithmetic helpers below. Some run inside timed polls
# (count() until it answers N, after ingest, restore and restart), so its start-up counts against
# the system measured: prefer the system's python over a version manager's shim (pyenv's took
# ~0.35 s per start on these VMs, more than some of the steps it timed).
PYTHON=${PYTHON:-$(if [ -x /usr/bin/python3 ]; then echo /usr/bin/python3; else command -v python3; fi)}
python3() { "$PYTHON" "$@"; }

meta() { python3 -c "import json;print(json.load(open('$META'))['$1'])"; }
now() { date +%s.%N; }
sub() { python3 -c "print('%.3f' % ($2 - $1))"; }
div() { python3 -c "print('%.1f' % ($1 / $2))"; }
result() { echo "RESULT system=$SYS metric=$1 value=$2${3:+ unit=$3}"; }
log() { echo "[$SYS $(date +%H:%M:%S)] $*" >&2; }
du_b() { du -sb "$1" | cut -f1; }
dropcaches() { sync; echo 3 > /proc/sys/vm/drop_caches; }
# drop_from_cache DIR : evict DIR's files from the page cache (posix_fadvise DONTNEED). The ingest's
# input (line protocol and CSV, ~3.5x the data at 50M rows) would otherwise fill the page cache beside
# the system's own files, and what follows would read from disk at one scale and from memory at another.
drop_from_cache() {
  python3 - "$1" <<'EOF'
import os, sys
for root, _, files in os.walk(sys.argv[1]):
    for f in files:
        fd = os.open(os.path.join(root, f), os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)
EOF
}
# rss_parts PID : the process's resident memory now, split: anonymous (heap, stacks) and file-backed
# (mapped data files, which the kernel can drop and read again)
rss_parts() {
  result server_rss_anon_mb "$(awk '/RssAnon/{printf "%.0f", $2/1024}' "/proc/$1/status")" MB
  result server_rss_file_mb "$(awk '/RssFile/{printf "%.0f", $2/1024}' "/proc/$1/status")" MB
}
cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
rss_hwm_mb() { awk '/VmHWM/{printf "%.0f", $2/1024}' "/proc/$1/status"; }

# servers started by a script are stopped (by PID) on any exit
PID=
stop_pid() { # stop_pid PID : SIGTERM our own server and wait for it (SIGKILL after 60 s)
  local p=$1 i
  kill -TERM "$p" 2>/dev/null || return 0
  for i in $(seq 600); do kill -0 "$p" 2>/dev/null || { wait "$p" 2>/dev/null || true; return 0; }; sleep 0.1; done
  log "pid $p did not exit in 60s, SIGKILL"; kill -KILL "$p" 2>/dev/null || true
}
cleanup_pid() { if [ -n "${PID:-}" ] && kill -0 "$PID" 2>/dev/null; then stop_pid "$PID"; fi; true; }
trap cleanup_pid EXIT
trap 'exit 130' INT TERM
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
need_port() { port_free "$1" || { log "port $1 is busy (set the *_PORT variables)"; exit 1; }; }

# wait_until TIMEOUT_S CMD... : poll CMD every 0.1 s until it succeeds
wait_until() {
  local t=$1; shift; local end=$(( $(date +%s) + t ))
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$end" ] || { log "timeout after ${t}s waiting for: $*"; return 1; }
    sleep 0.1
  done
}

# timed NAME CMD... : run CMD, report NAME_s (command only) and NAME_sync_s (command + sync)
timed() {
  local name=$1; shift; sync
  local t0 t1 t2; t0=$(now); "$@"; t1=$(now); sync; t2=$(now)
  result "${name}_s" "$(sub "$t0" "$t1")" s
  result "${name}_sync_s" "$(sub "$t0" "$t2")" s
  LAST_S=$(sub "$t0" "$t1"); LAST_SYNC_S=$(sub "$t0" "$t2")
}

# send_parts URL DIR EXT : POST every DIR/part-*.EXT as one request each, PAR in parallel
send_parts() {
  local url=$1 dir=$2 ext=$3
  ls "$dir"/part-*."$ext" | xargs -P "$PAR" -I{} curl -sS --fail -o /dev/null --data-binary @{} "$url"
}

# ingest_report T0 T_ACK T_VISIBLE CPU0 CPU1 : the ingest RESULT lines shared by all servers
ingest_report() {
  result ingest_s "$(sub "$1" "$3")" s
  result ingest_ack_s "$(sub "$1" "$2")" s
  result ingest_ack_rows_per_s "$(div "$N" "$(sub "$1" "$2")")" rows/s
  result ingest_visible_lag_s "$(sub "$2" "$3")" s
  result ingest_rows_per_s "$(div "$N" "$(sub "$1" "$3")")" rows/s
  result ingest_server_cpu_s "$(div $(($5 - $4)) "$CLK_TCK")" s
  drop_from_cache "$DATA"   # the queries, backup and restarts that follow see the system's files only
}

# phys_baseline DIR : cp -a (+ sync) and tar of a stopped server's data dir, warm cache (cold too if COLD=1)
phys_baseline() {
  local dir=$1 bytes; bytes=$(du_b "$dir")
  result phys_src_bytes "$bytes" B
  rm -rf "$WORK/physcopy" "$WORK/phys.tar" "$WORK/phys.tar.zst"
  find "$dir" -type f -exec cat {} + > /dev/null   # source in page cache (warm)
  timed cp_a_warm cp -a "$dir" "$WORK/physcopy"
  result cp_a_warm_MBps "$(div "$bytes" "($LAST_S*1e6)")" MB/s
  result cp_a_warm_sync_MBps "$(div "$bytes" "($LAST_SYNC_S*1e6)")" MB/s
  rm -rf "$WORK/physcopy"
  timed tar_warm tar cf "$WORK/phys.tar" -C "$dir" .
  result tar_warm_MBps "$(div "$bytes" "($LAST_S*1e6)")" MB/s
  rm -f "$WORK/phys.tar"
  timed tar_zstd1_warm sh -c "tar cf - -C '$dir' . | zstd -q -1 -T$PAR -o '$WORK/phys.tar.zst'"
  result tar_zstd1_bytes "$(stat -c %s "$WORK/phys.tar.zst")" B
  rm -f "$WORK/phys.tar.zst"
  if [ "$COLD" = 1 ] && dropcaches 2>/dev/null; then
    timed cp_a_cold cp -a "$dir" "$WORK/physcopy"
    result cp_a_cold_MBps "$(div "$bytes" "($LAST_S*1e6)")" MB/s
    rm -rf "$WORK/physcopy"
  fi
}

# qbench NAME CURL_ARGS... : save one answer to $OUTD/$SYS-NAME.json (HTTP status checked), then
# hyperfine: 1 warm-up + RUNS runs of `curl ... -o /dev/null`, report the median. An HTTP error or an
# answer with an "error" key is reported as NAME_error and not timed (returns 1).
qbench() {
  local name=$1; shift
  local ans=$OUTD/$SYS-$name.json code
  rm -f "$ans"
  code=$(curl -sS -o "$ans" -w '%{http_code}' "$@") || true
  [ -n "$code" ] || code=000
  [ -s "$ans" ] || echo '(empty reply)' > "$ans"
  if [ "$code" != 200 ] || python3 -c "import json,sys;d=json.load(open('$ans'));sys.exit(0 if isinstance(d,dict) and 'error' in d else 1)" 2>/dev/null; then
    local msg; msg=$(python3 -c "import json;d=json.load(open('$ans'));print(d['error'], '(position %s)' % d['position'] if 'position' in d else '')" 2>/dev/null ||
      head -c 300 "$ans" 2>/dev/null | tr '\n' ' ')
    log "$name failed: HTTP $code: $msg; request: curl $*"
    result "${name}_median_ms" "error"
    result "${name}_error" "\"HTTP $code: $msg\""
    result "${name}_request" "\"curl $*\""
    return 1
  fi
  hyperfine -N --style none --warmup 1 --runs "$RUNS" --export-json "$OUTD/$SYS-$name.hf.json" \
    "curl -sS --fail -o /dev/null $*" >/dev/null
  result "${name}_median_ms" "$(python3 -c "import json;r=json.load(open('$OUTD/$SYS-$name.hf.json'))['results'][0];print('%.1f'%(r['median']*1000))")" ms
  if [ "$COLD" = 1 ]; then   # every run after the whole page cache is dropped (the server's files too)
    hyperfine -N --style none --runs "$RUNS" --prepare "sh -c 'sync; echo 3 > /proc/sys/vm/drop_caches'" \
      --export-json "$OUTD/$SYS-$name.cold.hf.json" "curl -sS --fail -o /dev/null $*" >/dev/null &&
      result "${name}_cold_median_ms" "$(python3 -c "import json;r=json.load(open('$OUTD/$SYS-$name.cold.hf.json'))['results'][0];print('%.1f'%(r['median']*1000))")" ms
  fi
}
