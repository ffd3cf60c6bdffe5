#!/usr/bin/env bash
# Physical limits of this machine: sequential disk write with fdatasync (dd), warm read (dd) and
# memory bandwidth of a 1-thread in-memory scan (membw.c). Prints RESULT lines for system=machine.
SYS=machine
SCRATCH=${SCRATCH:-/tmp/sundial-compare}; HERE=$(cd "$(dirname "$0")" && pwd)
DD_MB=${DD_MB:-2048}
set -euo pipefail
W=$SCRATCH/physlimits; mkdir -p "$W"
trap 'rm -rf "$W"' EXIT
result() { echo "RESULT system=$SYS metric=$1 value=$2${3:+ unit=$3}"; }
# dd's last line: "... copied, 0.34 s, 6.3 GB/s" -> MB/s
dd_rate() { grep -o '[0-9.,]* [GMk]B/s' | tail -1 | awk '{gsub(",",".",$1); v=$1; if ($2=="GB/s") v*=1000; if ($2=="kB/s") v/=1000; print v}'; }
result nproc "$(nproc)"
result mem_total_mb "$(awk '/MemTotal/{printf "%.0f", $2/1024}' /proc/meminfo)" MB
result cpu_model "\"$(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)\""
result kernel "$(uname -r)"
sync
result dd_write_fdatasync_MBps "$(dd if=/dev/zero of="$W/ddtest" bs=1M count="$DD_MB" conv=fdatasync 2>&1 | dd_rate)" MB/s
result dd_read_warm_MBps "$(dd if="$W/ddtest" of=/dev/null bs=1M 2>&1 | dd_rate)" MB/s
rm -f "$W/ddtest"
gcc -O3 -march=native -o "$W/membw" "$HERE/membw.c"
"$W/membw" 2>/dev/null
# floor of one HTTP query as the harness measures it: a curl process start (hyperfine, fastest of 10)
result curl_version_min_ms "$(hyperfine -N --style none --warmup 1 --runs 10 --export-json "$W/curl.json" 'curl --version' >/dev/null 2>&1 &&
  python3 -c "import json;print('%.1f' % (json.load(open('$W/curl.json'))['results'][0]['min']*1000))")" ms
