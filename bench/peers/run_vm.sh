#!/usr/bin/env bash
# VictoriaMetrics single-node (Debian victoria-metrics): ingest via Influx line protocol on HTTP /write,
# queries via MetricsQL /api/v1/query[_range], backup via /snapshot/create (+ vmbackup to fs://),
# restore via vmrestore into a fresh -storageDataPath.
SYS=victoriametrics
source "$(dirname "$0")/lib.sh"
PORT=${VM_PORT:-18428}; BPORT=${VM_BACKUP_PORT:-18420}; RPORT=${VM_RESTORE_PORT:-18421}
D=$WORK/data; BK=$WORK/backup; R=$WORK/restore
URL=http://127.0.0.1:$PORT
# -retentionPeriod=100y: the dataset has fixed 2024 timestamps (default retention is 1 month)
# -search.disableCache: no rollup-result cache, so repeated queries do real work (Influx/CH 18.16 have none)
start() { # start DATADIR -> PID
  need_port "$PORT"
  mkdir -p "$1"
  victoria-metrics -storageDataPath="$1" -httpListenAddr="127.0.0.1:$PORT" -retentionPeriod=100y \
    -search.disableCache >>"$WORK/vm.log" 2>&1 &
  PID=$!
  wait_until 60 curl -sf "$URL/health"
}
END_S=$(meta end_s); START_S=$(meta start_s); SPAN=$(( END_S - START_S + 1 ))
count() { curl -sS --fail "$URL/api/v1/query" --data-urlencode "query=sum(count_over_time(cpu_usage_user[${SPAN}s]))" -d time=$END_S |
  python3 -c "import json,sys;r=json.load(sys.stdin)['data']['result'];print(r[0]['value'][1] if r else 0)"; }
count_is_n() { [ "$(count)" = "$N" ]; }

result version "$(dpkg-query -W -f='${Version}' victoria-metrics)"
rm -rf "$D" "$BK" "$R" "$WORK/vm.log"
t0=$(now); start "$D"; result startup_empty_s "$(sub "$t0" "$(now)")" s

log "ingest $N rows from $DATA/lp with $PAR senders"
c0=$(cpu_ticks $PID); t0=$(now)
send_parts "$URL/write" "$DATA/lp" lp
t1=$(now); wait_until 300 count_is_n; t2=$(now); c1=$(cpu_ticks $PID)
ingest_report "$t0" "$t1" "$t2" "$c0" "$c1"
result disk_after_ingest_bytes "$(du_b "$D")" B

QD=$(meta qday_s); QF=$QDIR/vm
printf '%s' "sum(count_over_time(cpu_usage_user[${SPAN}s]))" > "$QF-q1"
printf '%s' "max by (hostname) (max_over_time(cpu_usage_user[${SPAN}s]))" > "$QF-q2"
printf '%s' 'avg_over_time({__name__=~"cpu_usage_(user|system|idle)"}[1h])' > "$QF-q3"
printf '%s' 'last_over_time({__name__=~"cpu_usage_.*"}[1h])' > "$QF-q4"
printf '%s' "sum(count_gt_over_time(cpu_usage_user[1d], 90))" > "$QF-q5"
# Q3: 24 hourly points; window (t-1h, t] with t = day+1h-1s .. day+24h-1s == buckets [h, h+1h)
qbench q1 "$URL/api/v1/query" --data-urlencode "query@$QF-q1" -d time=$END_S || true
qbench q2 "$URL/api/v1/query" --data-urlencode "query@$QF-q2" -d time=$END_S || true
qbench q3 "$URL/api/v1/query_range" --data-urlencode "query@$QF-q3" -d start=$((QD+3599)) -d end=$((QD+86399)) -d step=3600 || true
qbench q4 "$URL/api/v1/query" --data-urlencode "query@$QF-q4" -d time=$END_S || true
qbench q5 "$URL/api/v1/query" --data-urlencode "query@$QF-q5" -d time=$((QD+86399)) || true
result q1_value "$(python3 -c "import json;print(json.load(open('$OUTD/$SYS-q1.json'))['data']['result'][0]['value'][1])")"
result q5_value "$(python3 -c "import json;print(json.load(open('$OUTD/$SYS-q5.json'))['data']['result'][0]['value'][1])")"

log "backup: snapshot + vmbackup"
sync; t0=$(now)
SNAP=$(curl -sS --fail "$URL/snapshot/create" | python3 -c "import json,sys;print(json.load(sys.stdin)['snapshot'])")
t1=$(now); result snapshot_create_s "$(sub "$t0" "$t1")" s
SNAP_S=$(sub "$t0" "$t1")
timed vmbackup sh -c "vmbackup -httpListenAddr=127.0.0.1:$BPORT -storageDataPath=$D -snapshotName=$SNAP -dst=fs://$BK >$WORK/vmbackup.log 2>&1"
result backup_total_s "$(python3 -c "print('%.3f' % ($SNAP_S + $LAST_SYNC_S))")" s
result backup_bytes "$(du_b "$BK")" B
curl -sS --fail "$URL/snapshot/delete?snapshot=$SNAP" >/dev/null
result server_rss_hwm_mb "$(rss_hwm_mb $PID)" MB
result server_cpu_total_s "$(div "$(cpu_ticks $PID)" "$CLK_TCK")" s
t0=$(now); stop_pid $PID; result shutdown_s "$(sub "$t0" "$(now)")" s
result disk_final_bytes "$(du_b "$D")" B

log "physical baseline"
phys_baseline "$D"

log "restart on original data"
t0=$(now); start "$D"; wait_until 300 count_is_n; result restart_to_count_s "$(sub "$t0" "$(now)")" s
stop_pid $PID

log "restore (vmrestore) into fresh dir + start"
t0=$(now)
vmrestore -httpListenAddr=127.0.0.1:$RPORT -src="fs://$BK" -storageDataPath="$R" >"$WORK/vmrestore.log" 2>&1
t1=$(now); start "$R"; wait_until 300 count_is_n; t2=$(now)
result restore_cmd_s "$(sub "$t0" "$t1")" s
result restore_total_s "$(sub "$t0" "$t2")" s
result restored_disk_bytes "$(du_b "$R")" B
stop_pid $PID
[ "$KEEP" = 1 ] || rm -rf "$D" "$BK" "$R"
log done
