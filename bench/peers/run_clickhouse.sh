#!/usr/bin/env bash
# ClickHouse 18.16 (Debian clickhouse-server): ingest via HTTP INSERT ... FORMAT CSV (same 50k-row batches,
# PAR parallel senders) into MergeTree PARTITION BY toDate(ts) ORDER BY (hostname, ts);
# backup via ALTER TABLE FREEZE (+ copy of shadow/ to a backup dir); restore = fresh server +
# CREATE TABLE + copy parts to detached/ + ALTER TABLE ATTACH PARTITION.
SYS=clickhouse
source "$(dirname "$0")/lib.sh"
PORT=${CH_HTTP_PORT:-18123}; TPORT=${CH_TCP_PORT:-19000}
D=$WORK/data; BK=$WORK/backup; R=$WORK/restore
URL=http://127.0.0.1:$PORT/

mkconf() { # mkconf ROOT : config.xml/users.xml = Debian defaults, paths under ROOT, 127.0.0.1 only, UTC
  local root=$1; mkdir -p "$root/etc" "$root/log"
  cat > "$root/etc/config.xml" <<CONF
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>$root/log/server.log</log><errorlog>$root/log/server.err.log</errorlog><size>100M</size><count>2</count></logger>
  <http_port>$PORT</http_port>
  <tcp_port>$TPORT</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <max_connections>4096</max_connections>
  <keep_alive_timeout>3</keep_alive_timeout>
  <max_concurrent_queries>100</max_concurrent_queries>
  <uncompressed_cache_size>8589934592</uncompressed_cache_size>
  <mark_cache_size>5368709120</mark_cache_size>
  <path>$root/data/</path>
  <tmp_path>$root/data/tmp/</tmp_path>
  <user_files_path>$root/data/user_files/</user_files_path>
  <format_schema_path>$root/data/format_schemas/</format_schema_path>
  <users_config>$root/etc/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mlock_executable>false</mlock_executable>
</yandex>
CONF
  sed 's|<ip>::/0</ip>|<ip>127.0.0.1</ip>|' /etc/clickhouse-server/users.xml > "$root/etc/users.xml"
}
start() { # start ROOT -> PID
  need_port "$PORT"; need_port "$TPORT"
  /usr/sbin/clickhouse-server --config-file="$1/etc/config.xml" >>"$1/log/stdout.log" 2>&1 &
  PID=$!
  wait_until 120 sh -c "curl -sf '$URL' --data-binary 'SELECT 1' | grep -q 1"
}
q() { curl -sS --fail "$URL" --data-binary "$1"; }
count() { q "SELECT count() FROM cpu" 2>/dev/null || echo 0; }
count_is_n() { [ "$(count)" = "$N" ]; }
DDL="CREATE TABLE cpu (hostname String, region String, ts DateTime,
 usage_user Float64, usage_system Float64, usage_idle Float64, usage_nice Float64, usage_iowait Float64,
 usage_irq Float64, usage_softirq Float64, usage_steal Float64, usage_guest Float64, usage_guest_nice Float64)
 ENGINE = MergeTree() PARTITION BY toDate(ts) ORDER BY (hostname, ts)"

rm -rf "$D" "$BK" "$R"; mkconf "$D"
t0=$(now); start "$D"; result startup_empty_s "$(sub "$t0" "$(now)")" s
result version "$(q 'SELECT version()')"
q "$DDL"

log "ingest $N rows from $DATA/csv with $PAR senders"
c0=$(cpu_ticks $PID); t0=$(now)
send_parts "${URL}?date_time_input_format=best_effort&query=INSERT%20INTO%20cpu%20FORMAT%20CSV" "$DATA/csv" csv
t1=$(now); wait_until 300 count_is_n; t2=$(now); c1=$(cpu_ticks $PID)
ingest_report "$t0" "$t1" "$t2" "$c0" "$c1"
result disk_after_ingest_bytes "$(du_b "$D/data")" B
# du above still counts merged-away (inactive) parts, which are removed only after old_parts_lifetime (8 min)
result active_parts_bytes "$(q "SELECT sum(bytes_on_disk) FROM system.parts WHERE table='cpu' AND active")" B

QD=$(meta qday_iso); QE=$(meta qday_end_iso); QD=${QD/T/ }; QD=${QD%Z}; QE=${QE/T/ }; QE=${QE%Z}
QF=$QDIR/ch
echo "SELECT count() FROM cpu FORMAT JSON" > "$QF-q1"
echo "SELECT hostname, max(usage_user) FROM cpu GROUP BY hostname FORMAT JSON" > "$QF-q2"
echo "SELECT hostname, toStartOfHour(ts) AS hour, avg(usage_user), avg(usage_system), avg(usage_idle) FROM cpu WHERE ts >= toDateTime('$QD') AND ts < toDateTime('$QE') GROUP BY hostname, hour ORDER BY hostname, hour FORMAT JSON" > "$QF-q3"
echo "SELECT * FROM cpu WHERE (hostname, ts) IN (SELECT hostname, max(ts) FROM cpu GROUP BY hostname) ORDER BY hostname FORMAT JSON" > "$QF-q4"
echo "SELECT count() FROM cpu WHERE usage_user > 90 AND ts >= toDateTime('$QD') AND ts < toDateTime('$QE') FORMAT JSON" > "$QF-q5"
for i in 1 2 3 4 5; do qbench q$i "$URL" --data-binary "@$QF-q$i" || true; done
result q1_value "$(python3 -c "import json;print(json.load(open('$OUTD/$SYS-q1.json'))['data'][0]['count()'])")"
result q5_value "$(python3 -c "import json;print(json.load(open('$OUTD/$SYS-q5.json'))['data'][0]['count()'])")"

log "backup: FREEZE + copy of shadow/"
sync; t0=$(now); q "ALTER TABLE cpu FREEZE"; t1=$(now)
result freeze_s "$(sub "$t0" "$t1")" s
FREEZE_S=$(sub "$t0" "$t1")
timed backup cp -a "$D/data/shadow" "$BK"
result backup_total_s "$(python3 -c "print('%.3f' % ($FREEZE_S + $LAST_SYNC_S))")" s
result backup_bytes "$(du_b "$BK")" B
result server_rss_hwm_mb "$(rss_hwm_mb $PID)" MB
result server_cpu_total_s "$(div "$(cpu_ticks $PID)" "$CLK_TCK")" s
t0=$(now); stop_pid $PID; result shutdown_s "$(sub "$t0" "$(now)")" s
rm -rf "$D/data/shadow"
result disk_final_bytes "$(du_b "$D/data")" B

log "physical baseline"
phys_baseline "$D/data"

log "restart on original data"
t0=$(now); start "$D"; wait_until 300 count_is_n; result restart_to_count_s "$(sub "$t0" "$(now)")" s
stop_pid $PID

log "restore from FREEZE backup into fresh server"
rm -rf "$R"; mkconf "$R"
t0=$(now); start "$R"; q "$DDL"
PD=$(find "$BK" -type d -path '*/data/default/cpu' | head -1)
cp -a "$PD"/. "$R/data/data/default/cpu/detached/"
for p in $(ls "$PD" | grep -v detached | cut -d_ -f1 | sort -u); do q "ALTER TABLE cpu ATTACH PARTITION ID '$p'"; done
wait_until 300 count_is_n; t1=$(now)
result restore_total_s "$(sub "$t0" "$t1")" s
result restored_disk_bytes "$(du_b "$R/data")" B
stop_pid $PID
[ "$KEEP" = 1 ] || rm -rf "$D" "$BK" "$R"
log done
