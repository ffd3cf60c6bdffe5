#!/usr/bin/env bash
# GET /backup streamed to /dev/null against `tar -cf -` of the same server root, in one run on
# the same data (the tar of a stopped-in-place root is the floor: the same bytes read from the
# page cache and framed the same way, without HTTP). Also times `sundial restore` of the archive.
#   bash bench/backup_stream.sh            # N=2,000,000 rows (~60 MB of column files)
#   N=200000 RUNS=3 bash bench/backup_stream.sh
# Uses ./build/sundial (SUNDIAL_BIN to override); data under a temp dir removed at exit.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-2000000}
RUNS=${RUNS:-5}
BIN=${SUNDIAL_BIN:-$PWD/build/sundial}
PORT=${PORT:-19990}
[ -x "$BIN" ] || { echo "no binary at $BIN (build first: cmake --build build --target sundial)" >&2; exit 1; }
SCRATCH=$(mktemp -d /tmp/sundial-stream-bench.XXXXXX)
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null; rm -rf "$SCRATCH"; }
trap cleanup EXIT

QDB_HTTP_BIND_TO=127.0.0.1:$PORT QDB_LINE_TCP_ENABLED=false "$BIN" -d "$SCRATCH/root" \
  >"$SCRATCH/server.log" 2>&1 &
PID=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/ping" >/dev/null 2>&1 && break; sleep 0.1; done

# N rows of a cpu-like table, posted 200,000 rows per request.
python3 - "$N" "$SCRATCH/lp" <<'PY'
import sys
n, out = int(sys.argv[1]), sys.argv[2]
per = 200000
for part in range((n + per - 1) // per):
    with open(f"{out}.{part:04d}", "w") as f:
        for i in range(part * per, min(n, (part + 1) * per)):
            f.write(f"cpu,host=h{i % 1000},region=r{i % 7} usage_user={i % 100}.5,usage_system={i % 37}.25,"
                    f"usage_idle={i % 91}i {1700000000000000000 + i * 1000000000}\n")
PY
for f in "$SCRATCH"/lp.*; do curl -fsS --data-binary @"$f" "http://127.0.0.1:$PORT/write"; done
rm -f "$SCRATCH"/lp.*
bytes=$(du -sb "$SCRATCH/root/db" | cut -f1)

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_s() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null; t1=$(date +%s.%N); echo "$t1 - $t0" | bc -l; }
stream() { curl -fsS -o /dev/null "http://127.0.0.1:$PORT/backup"; }
plain_tar() { tar -cf - -C "$SCRATCH/root" db conf | cat >/dev/null; }
stream; plain_tar  # warm the page cache
s=$(for _ in $(seq "$RUNS"); do time_s stream; done | median)
t=$(for _ in $(seq "$RUNS"); do time_s plain_tar; done | median)
curl -fsS -o "$SCRATCH/b.tar" "http://127.0.0.1:$PORT/backup"
r=$(for i in $(seq "$RUNS"); do time_s "$BIN" restore "$SCRATCH/b.tar" -d "$SCRATCH/r$i"; done | median)
mb=$(echo "$bytes / 1000000" | bc -l)
printf 'rows=%s db_bytes=%s runs=%s (medians)\n' "$N" "$bytes" "$RUNS"
printf '| what | s | MB/s |\n|---|---|---|\n'
printf '| GET /backup -> /dev/null (curl) | %.3f | %.0f |\n' "$s" "$(echo "$mb / $s" | bc -l)"
printf '| tar -cf - root | cat >/dev/null | %.3f | %.0f |\n' "$t" "$(echo "$mb / $t" | bc -l)"
printf '| sundial restore b.tar -d DIR (incl. sync) | %.3f | %.0f |\n' "$r" "$(echo "$mb / $r" | bc -l)"
printf 'stream / tar = %.2f\n' "$(echo "$s / $t" | bc -l)"
