#!/usr/bin/env bash
# InfluxDB 1.6 (Debian influxd): ingest via HTTP /write (line protocol), queries via InfluxQL /query,
# backup via `influxd backup -portable`, restore via `influxd restore -portable` into a fresh server.
SYS=influxdb
source "$(dirname "$0")/lib.sh"
PORT=${INFLUX_HTTP_PORT:-18086}; RPC=${INFLUX_RPC_PORT:-18088}
D=$WORK/data; BK=$WORK/backup; R=$WORK/restore
URL=http://127.0.0.1:$PORT
DB=benchmark

mkconf() { # mkconf ROOT -> ROOT/influxdb.conf (Debian defaults + our dirs, 127.0.0.1 binds, no _internal db)
  local root=$1; mkdir -p "$root"
  cat > "$root/influxdb.conf" <<CONF
reporting-disabled = true
bind-address = "127.0.0.1:$RPC"
[meta]
  dir = "$root/meta"
[data]
  dir = "$root/data"
  wal-dir = "$root/wal"
[monitor]
  store-enabled = false
[http]
  bind-address = "127.0.0.1:$PORT"
  log-enabled = false
CONF
}
start() { # start ROOT -> PID
  need_port "$PORT"; need_port "$RPC"
  influxd run -config "$1/influxdb.conf" >>"$1.log" 2>&1 &
  PID=$!
  wait_until 60 curl -sf "$URL/ping"
}
q() { curl -sS --fail -XPOST "$URL/query?db=$DB" --data-urlencode "q=$1"; }
count() { q "SELECT count(usage_user) FROM cpu" | python3 -c "import json,sys;r=json.load(sys.stdin)['results'][0];print(r['series'][0]['values'][0][1] if 'series' in r else 0)"; }
count_is_n() { [ "$(count)" = "$N" ]; }

result version "$(influxd version | awk '{print $2}')"
rm -rf "$D" "$BK" "$R"; mkconf "$D"
t0=$(now); start "$D"; result startup_empty_s "$(sub "$t0" "$(now)")" s
q "CREATE DATABASE $DB" >/dev/null

log "ingest $N rows from $DATA/lp with $PAR senders"
c0=$(cpu_ticks $PID); t0=$(now)
send_parts "$URL/write?db=$DB&precision=ns" "$DATA/lp" lp
t1=$(now); wait_until 300 count_is_n; t2=$(now); c1=$(cpu_ticks $PID)
ingest_report "$t0" "$t1" "$t2" "$c0" "$c1"
result disk_after_ingest_bytes "$(du_b "$D")" B

QD=$(meta qday_iso); QE=$(meta qday_end_iso); QF=$QDIR/influx
printf '%s' "SELECT count(usage_user) FROM cpu" > "$QF-q1"
printf '%s' "SELECT max(usage_user) FROM cpu GROUP BY hostname" > "$QF-q2"
printf '%s' "SELECT mean(usage_user),mean(usage_system),mean(usage_idle) FROM cpu WHERE time >= '$QD' AND time < '$QE' GROUP BY time(1h),hostname" > "$QF-q3"
printf '%s' "SELECT * FROM cpu GROUP BY hostname ORDER BY time DESC LIMIT 1" > "$QF-q4"
printf '%s' "SELECT count(usage_user) FROM cpu WHERE usage_user > 90 AND time >= '$QD' AND time < '$QE'" > "$QF-q5"
for i in 1 2 3 4 5; do
  qbench q$i -XPOST "$URL/query?db=$DB" --data-urlencode "q@$QF-q$i" || true
done
result q1_value "$(python3 -c "import json;print(json.load(open('$OUTD/$SYS-q1.json'))['results'][0]['series'][0]['values'][0][1])")"
result q5_value "$(python3 -c "import json;print(json.load(open('$OUTD/$SYS-q5.json'))['results'][0]['series'][0]['values'][0][1])")"

log "backup"
timed backup sh -c "influxd backup -portable -database $DB -host 127.0.0.1:$RPC $BK >$WORK/backup.log 2>&1"
result backup_total_s "$LAST_SYNC_S" s
result backup_bytes "$(du_b "$BK")" B
result server_rss_hwm_mb "$(rss_hwm_mb $PID)" MB
result server_cpu_total_s "$(div "$(cpu_ticks $PID)" "$CLK_TCK")" s
t0=$(now); stop_pid $PID; result shutdown_s "$(sub "$t0" "$(now)")" s
result disk_final_bytes "$(du_b "$D")" B

log "physical baseline"
phys_baseline "$D"

log "restart on original data"
t0=$(now); start "$D"; wait_until 300 count_is_n; result restart_to_count_s "$(sub "$t0" "$(now)")" s
stop_pid $PID

log "restore into fresh server"
mkconf "$R"
t0=$(now); start "$R"
t1=$(now); influxd restore -portable -db $DB -host 127.0.0.1:$RPC "$BK" >"$WORK/restore.log" 2>&1; t2=$(now)
wait_until 300 count_is_n; t3=$(now)
result restore_cmd_s "$(sub "$t1" "$t2")" s
result restore_total_s "$(sub "$t0" "$t3")" s
result restored_disk_bytes "$(du_b "$R")" B
stop_pid $PID
[ "$KEEP" = 1 ] || rm -rf "$D" "$BK" "$R"
log done
