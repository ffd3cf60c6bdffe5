#!/usr/bin/env bash
# A/B of two sundial binaries on the compare harness's ingest step, in alternating runs (the
# machine's speed drifts, so only runs next to each other compare): each run starts BIN on a
# fresh root, creates the cpu table as bench/peers/run_sundial.sh does, sends every line-protocol
# file with `xargs -P 2 curl --data-binary @file` to /write (MODE=tcp: `cat file > /dev/tcp/...`
# to the line-protocol port, 2 at a time, as the harness's TCP step), and stops the clock when
# `select count() from cpu` answers N. Prints rows/s, the server's CPU seconds, peak RSS, and the
# whole machine's busy share over the timed part (/proc/stat).
#
#   bash bench/ab_ingest.sh BIN_A BIN_B [RUNS]      RUNS pairs (default 4)
# Env: DATA (a gen.py output dir, default /tmp/peers/data/cpu-5000000), PORT (19300), MODE (http|tcp).
set -euo pipefail
A=${1:?usage: ab_ingest.sh BIN_A BIN_B [RUNS]}; B=${2:?usage: ab_ingest.sh BIN_A BIN_B [RUNS]}
RUNS=${3:-4}
MODE=${MODE:-http}
case $MODE in http|tcp) ;; *) echo "MODE must be http or tcp" >&2; exit 2 ;; esac
DATA=${DATA:-/tmp/peers/data/cpu-5000000}; PORT=${PORT:-19300}
[ -f "$DATA/meta.json" ] || { echo "no $DATA: python3 bench/peers/gen.py --rows 5000000 --out $(dirname "$DATA")" >&2; exit 1; }
N=$(python3 -c "import json;print(json.load(open('$DATA/meta.json'))['rows'])")
FIELDS=$(python3 -c "import json;print(' '.join(json.load(open('$DATA/meta.json'))['fields']))")
DDL="CREATE TABLE cpu (hostname SYMBOL, region SYMBOL, ts TIMESTAMP,"
for f in $FIELDS; do DDL+=" $f DOUBLE,"; done
DDL="${DDL%,}) TIMESTAMP(ts) PARTITION BY DAY"
ROOT=$(mktemp -d /tmp/sundial-ab.XXXXXX)
PID=
trap '[ -n "$PID" ] && kill $PID 2>/dev/null; rm -rf "$ROOT"' EXIT
count() { # no interpreter start inside the timed poll: the count is the first number of the dataset
  curl -sS -G --data-urlencode 'query=select count() from cpu' "http://127.0.0.1:$PORT/exec" |
    grep -o '"dataset":\[\[[0-9]*' | grep -o '[0-9]*$' || echo -1
}
busy() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $5+$6}' /proc/stat; }
one() { # one LABEL BIN
  rm -rf "$ROOT/r"; mkdir -p "$ROOT/r/conf"
  printf 'http.bind.to=127.0.0.1:%s\nline.tcp.net.bind.to=127.0.0.1:%s\n' "$PORT" $((PORT + 9)) > "$ROOT/r/conf/server.conf"
  "$2" -d "$ROOT/r" > "$ROOT/server.log" 2>&1 & PID=$!
  until curl -sf -o /dev/null "http://127.0.0.1:$PORT/ping"; do sleep 0.1; done
  curl -sS -G --data-urlencode "query=$DDL" "http://127.0.0.1:$PORT/exec" > /dev/null
  local c0 c1 t0 t1
  local m0 m1
  c0=$(awk '{print $14+$15}' /proc/$PID/stat); m0=$(busy); t0=$(date +%s.%N)
  if [ "$MODE" = tcp ]; then
    ls "$DATA"/lp/part-*.lp | xargs -P 2 -I{} bash -c 'cat "$1" > "/dev/tcp/127.0.0.1/$2"' _ {} $((PORT + 9))
  else
    ls "$DATA"/lp/part-*.lp | xargs -P 2 -I{} curl -sS --fail -o /dev/null --data-binary @{} \
      "http://127.0.0.1:$PORT/write?precision=n"
  fi
  until [ "$(count)" = "$N" ]; do sleep 0.01; done
  t1=$(date +%s.%N); c1=$(awk '{print $14+$15}' /proc/$PID/stat); m1=$(busy)
  local rss; rss=$(awk '/VmHWM/{printf "%.0f", $2/1024}' /proc/$PID/status)
  kill $PID; wait $PID 2>/dev/null || true; PID=
  python3 -c "b0, i0 = map(int, '$m0'.split()); b1, i1 = map(int, '$m1'.split())
print('%s %s rows/s %.0f  server cpu %.2f s  peak rss %s MB  machine busy %.0f %%' % ('$1', '$MODE',
      $N/($t1-$t0), ($c1-$c0)/$(getconf CLK_TCK), '$rss', 100.0*(b1-b0)/max(1, b1-b0+i1-i0)))"
}
for i in $(seq "$RUNS"); do one A "$A"; one B "$B"; done
