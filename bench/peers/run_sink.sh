#!/usr/bin/env bash
# The ingest harness's own ceiling: the same line-protocol files sent the same way as to every
# system (send_parts: one curl per file, PAR at a time) into http_sink.c, a server that reads each
# body and drops it. No system can be measured faster than this by the harness on this machine.
# Best of 3 runs. Env (besides lib.sh's): SINK_PORT (19500).
SYS=sink
source "$(dirname "$0")/lib.sh"
PORT=${SINK_PORT:-19500}
need_port "$PORT"
gcc -O2 -pthread -o "$WORK/http_sink" "$HERE/http_sink.c"
"$WORK/http_sink" "$PORT" >"$WORK/sink.out" 2>&1 &
PID=$!
wait_until 10 grep -q listening "$WORK/sink.out"
best=0
for i in 1 2 3; do
  t0=$(now)
  send_parts "http://127.0.0.1:$PORT/write?precision=n" "$DATA/lp" lp
  t1=$(now)
  rate=$(div "$N" "$(sub "$t0" "$t1")")
  log "run $i: $rate rows/s"
  best=$(python3 -c "print(max($best, $rate))")
done
result ingest_ack_rows_per_s "$best" rows/s
