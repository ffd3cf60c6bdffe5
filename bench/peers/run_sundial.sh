#!/usr/bin/env bash
# Sundial, measured the same way as the peers: line protocol over HTTP /write (same files, same PAR
# senders as InfluxDB/VictoriaMetrics), the five queries of queries.md over HTTP /exec (curl + hyperfine),
# BACKUP DATABASE via /exec, restore = `sundial -d <backup dir>` on other ports until count() answers N,
# then every partition but the newest converted to compressed (on-disk bytes, seal MB/s, the five queries,
# BACKUP again),
# plus line protocol over TCP into a fresh server (same files, PAR connections).
# Env (besides lib.sh's): SUNDIAL_BIN (the server binary, required), SUNDIAL_VERSION (label),
#   SUNDIAL_HTTP_PORT/SUNDIAL_ILP_PORT (19100/19109), SUNDIAL_RESTORE_HTTP_PORT/..._ILP_PORT (19200/19209),
#   SUNDIAL_TCP=0 to skip the TCP ingest, SUNDIAL_COMPRESSED=0 to skip the compressed-partitions phase.
SYS=sundial
source "$(dirname "$0")/lib.sh"
BIN=${SUNDIAL_BIN:?set SUNDIAL_BIN to the sundial binary}
PORT=${SUNDIAL_HTTP_PORT:-19100}; TPORT=${SUNDIAL_ILP_PORT:-19109}
RPORT=${SUNDIAL_RESTORE_HTTP_PORT:-19200}; RTPORT=${SUNDIAL_RESTORE_ILP_PORT:-19209}
D=$WORK/root; BKR=$WORK/backups; T=$WORK/tcproot
EXPECT_Q1=$(meta expect_q1); EXPECT_Q5=$(meta expect_q5); HOSTS=$(meta hosts)
URL=http://127.0.0.1:$PORT   # the server the helpers below talk to (start() sets it)
RESTARTED=0                  # 1 once the main server crashed and was started again

mkroot() { # mkroot ROOT HTTP_PORT ILP_PORT : pre-create ROOT/conf/server.conf (binds + backup root)
  mkdir -p "$1/conf" "$BKR"
  cat > "$1/conf/server.conf" <<CONF
# written by bench/peers/run_sundial.sh
http.bind.to=127.0.0.1:$2
line.tcp.net.bind.to=127.0.0.1:$3
cairo.sql.backup.root=$BKR
# the raw figures are of raw partitions; the compressed phase below converts them explicitly
cairo.partition.compress.after=off
CONF
}
start() { # start ROOT HTTP_PORT ILP_PORT -> PID; the env overrides win over a copied server.conf
  need_port "$2"; need_port "$3"
  URL=http://127.0.0.1:$2
  QDB_HTTP_BIND_TO=127.0.0.1:$2 QDB_LINE_TCP_NET_BIND_TO=127.0.0.1:$3 "$BIN" -d "$1" >>"$WORK/server.log" 2>&1 &
  PID=$!
  wait_until 60 sh -c "kill -0 $PID && curl -sf -o /dev/null '$URL/ping'" ||
    { log "server did not answer /ping; log tail:"; tail -5 "$WORK/server.log" >&2; return 1; }
}
x() { curl -sS -G --data-urlencode "query=$1" "$URL/exec"; }   # one SQL statement, JSON answer on stdout
cell() { python3 -c "import json,sys;d=json.load(sys.stdin);print(d['dataset'][0][0] if d.get('dataset') else 'none')"; }
count() { x "SELECT count() FROM cpu" | cell; }
count_is_n() { [ "$(count 2>/dev/null)" = "$N" ]; }
is_ok() { python3 -c "import json,sys;d=json.load(sys.stdin);sys.exit(0 if 'error' not in d else 1)"; }
# alive_or_restart STEP : if the server died during STEP, record how and start it again on the same root
alive_or_restart() {
  kill -0 "$PID" 2>/dev/null && return 0
  local rc=0; wait "$PID" 2>/dev/null || rc=$?
  local how="exit status $rc"; [ "$rc" -gt 128 ] && how="killed by SIG$(kill -l $((rc - 128)) 2>/dev/null || echo $((rc - 128)))"
  log "server died during $1: $how; restarting it"
  result "crash_$1" "\"server $how during $1\""
  RESTARTED=1
  start "$D" "$PORT" "$TPORT"
}
check() { # check NAME GOT WANT : NAMEcheck = ok | wrong: got X (want Y)
  if [ "$2" = "$3" ]; then result "${1}_check" ok; else result "${1}_check" "\"wrong: got $2, want $3\""; fi
}

result version "${SUNDIAL_VERSION:-$("$BIN" --version 2>/dev/null | head -1 || echo unknown)}"
rm -rf "$D" "$BKR" "$T" "$WORK/server.log"; mkroot "$D" "$PORT" "$TPORT"
t0=$(now); start "$D" "$PORT" "$TPORT"; result startup_empty_s "$(sub "$t0" "$(now)")" s

# the table as queries.md describes it: designated timestamp ts, daily partitions (tags -> SYMBOL)
DDL="CREATE TABLE cpu (hostname SYMBOL, region SYMBOL, ts TIMESTAMP,"
for f in $(python3 -c "import json;print(' '.join(json.load(open('$META'))['fields']))"); do DDL+=" $f DOUBLE,"; done
DDL="${DDL%,}) TIMESTAMP(ts) PARTITION BY DAY"
ans=$(x "$DDL" || true)
if echo "$ans" | is_ok 2>/dev/null; then result create_table ok; else
  log "CREATE TABLE failed: $ans"; result create_table "\"error: $(echo "$ans" | head -c 200)\""; fi

log "ingest $N rows from $DATA/lp with $PAR senders (HTTP /write)"
c0=$(cpu_ticks $PID); t0=$(now)
if ! send_parts "$URL/write?precision=n" "$DATA/lp" lp 2>"$WORK/write.err"; then
  log "a /write request failed: $(head -c 300 "$WORK/write.err")"
  result ingest_error "\"$(head -c 200 "$WORK/write.err" | tr '\n' ' ')\""
fi
t1=$(now)
if wait_until 300 count_is_n; then
  t2=$(now); c1=$(cpu_ticks $PID)
  ingest_report "$t0" "$t1" "$t2" "$c0" "$c1"
else
  result ingest_rows_per_s "\"error: count() = $(count 2>/dev/null || echo '?') after 300 s, want $N\""
fi
alive_or_restart ingest
result disk_after_ingest_bytes "$(du_b "$D/db")" B

# the five queries, text exactly as in queries.md (the day = the dataset's query day)
QDAY=$(meta qday_iso); QDAY=${QDAY%%T*}; QF=$QDIR/sundial
printf '%s' "SELECT count() FROM cpu;" > "$QF-q1"
printf '%s' "SELECT hostname, max(usage_user) FROM cpu;" > "$QF-q2"
printf '%s' "SELECT hostname, ts, avg(usage_user), avg(usage_system), avg(usage_idle) FROM cpu WHERE ts IN '$QDAY' SAMPLE BY 1h ORDER BY hostname, ts;" > "$QF-q3"
printf '%s' "SELECT * FROM cpu LATEST ON ts PARTITION BY hostname;" > "$QF-q4"
printf '%s' "SELECT count() FROM cpu WHERE usage_user > 90 AND ts IN '$QDAY';" > "$QF-q5"
# the fixed client cost of one query at this moment: start of one curl process, fastest of 10 (the table's
# lower bound for an HTTP query uses it)
hyperfine -N --style none --warmup 1 --runs 10 --export-json "$OUTD/$SYS-curl.hf.json" 'curl --version' >/dev/null 2>&1 &&
  result curl_start_ms "$(python3 -c "import json;print('%.1f' % (json.load(open('$OUTD/$SYS-curl.hf.json'))['results'][0]['min']*1000))")" ms
for i in 1 2 3 4 5; do
  result q${i}_sql "\"$(cat "$QF-q$i")\""
  qbench q$i -G --data-urlencode "query@$QF-q$i" "$URL/exec" || true
  alive_or_restart q$i
done
ansv() { # ansv Qn PYEXPR : evaluate PYEXPR on the saved answer d (or print "error")
  python3 -c "import json;d=json.load(open('$OUTD/$SYS-$1.json'));print($2)" 2>/dev/null || echo error; }
q1=$(ansv q1 "d['dataset'][0][0]"); result q1_value "$q1"; check q1 "$q1" "$EXPECT_Q1"
q5=$(ansv q5 "d['dataset'][0][0]"); result q5_value "$q5"; check q5 "$q5" "$EXPECT_Q5"
for i in 2 3 4; do result q${i}_rows "$(ansv q$i "len(d['dataset'])")"; done
check q2_rows "$(ansv q2 "len(d['dataset'])")" "$HOSTS"
check q4_rows "$(ansv q4 "len(d['dataset'])")" "$HOSTS"
result q3_host0_first_hour "$(ansv q3 "(lambda r: '%s@%s=%s' % (r[0], r[1][:13], '/'.join('%.4f' % v for v in r[2:5])))(d['dataset'][0])")"

log "backup: BACKUP DATABASE"
sync; t0=$(now); ans=$(x "BACKUP DATABASE;" || true); t1=$(now)
BK=$(find "$BKR" -mindepth 1 -maxdepth 1 -type d ! -name tmp ! -name '_*' -printf '%T@ %p\n' 2>/dev/null | sort -n | tail -1 | cut -d' ' -f2-)
if echo "$ans" | is_ok 2>/dev/null && [ -n "$BK" ]; then
  result backup_total_s "$(sub "$t0" "$t1")" s
  result backup_bytes "$(du_b "$BK")" B
else
  log "BACKUP DATABASE failed: $ans"; result backup_total_s "\"error: $(echo "$ans" | head -c 200)\""
  BK=
fi
alive_or_restart backup
rss_parts $PID
if [ "$RESTARTED" = 0 ]; then
  result server_rss_hwm_mb "$(rss_hwm_mb $PID)" MB
  result server_cpu_total_s "$(div "$(cpu_ticks $PID)" "$CLK_TCK")" s
else   # the counters restarted with the process: not comparable
  result server_rss_hwm_mb "\"$(rss_hwm_mb $PID) MB since the restart after a crash\""
  result server_cpu_total_s "\"$(div "$(cpu_ticks $PID)" "$CLK_TCK") s since the restart after a crash\""
fi
t0=$(now); stop_pid $PID; result shutdown_s "$(sub "$t0" "$(now)")" s
result disk_final_bytes "$(du_b "$D")" B

log "physical baseline (the stopped server's root)"
phys_baseline "$D"

if [ "$COLD" = 1 ] && dropcaches 2>/dev/null; then
  log "restart on original data, page cache dropped"
  t0=$(now); start "$D" "$PORT" "$TPORT" && wait_until 300 count_is_n &&
    result restart_cold_to_count_s "$(sub "$t0" "$(now)")" s || result restart_cold_to_count_s error
  stop_pid $PID
fi
log "restart on original data"
t0=$(now); start "$D" "$PORT" "$TPORT" && wait_until 300 count_is_n &&
  result restart_to_count_s "$(sub "$t0" "$(now)")" s || result restart_to_count_s error
stop_pid $PID

if [ -n "$BK" ]; then
  log "restore: sundial -d $BK on port $RPORT until count() = N"
  t0=$(now)
  if start "$BK" "$RPORT" "$RTPORT" && wait_until 300 count_is_n; then
    result restore_total_s "$(sub "$t0" "$(now)")" s
    r5=$(x "$(cat "$QF-q5")" | cell 2>/dev/null || echo error); result restored_q5_value "$r5"; check restored_q5 "$r5" "$EXPECT_Q5"
  else
    result restore_total_s "\"error: count() = $(count 2>/dev/null || echo '?')\""
  fi
  stop_pid $PID
fi

# Compressed partitions (ALTER TABLE ... CONVERT PARTITION TO COMPRESSED of every partition but the
# active one, which CONVERT refuses as QuestDB does): the bytes on disk, the seal's throughput (raw bytes per wall second and per CPU second of the
# server), the five queries again and a second BACKUP, on the same data.
if [ "${SUNDIAL_COMPRESSED:-1}" = 1 ]; then
  log "compressed partitions: CONVERT PARTITION TO COMPRESSED of every partition but the active (newest) one"
  start "$D" "$PORT" "$TPORT" && wait_until 300 count_is_n
  newest=$(x "SELECT timestamp_floor('d', max(ts)) FROM cpu" | cell)
  raw=$(du_b "$D/db"); c0=$(cpu_ticks $PID); t0=$(now)
  ans=$(x "ALTER TABLE cpu CONVERT PARTITION TO COMPRESSED WHERE ts < '$newest'" || true)
  t1=$(now); c1=$(cpu_ticks $PID)
  if echo "$ans" | is_ok 2>/dev/null; then
    result seal_s "$(sub "$t0" "$t1")" s
    result seal_MBps "$(div "$raw" "($(sub "$t0" "$t1")*1e6)")" MB/s
    [ "$c1" -gt "$c0" ] && result seal_cpu_MBps "$(div "$raw" "($((c1 - c0))/$CLK_TCK*1e6)")" MB/s
    # the superseded raw versions go once no reader holds them: wait for the purge
    wait_until 60 sh -c "[ \$(du -sb '$D/db' | cut -f1) -lt $raw ]" || true
    sleep 2
    result disk_compressed_bytes "$(du_b "$D/db")" B
    for i in 1 2 3 4 5; do qbench qc$i -G --data-urlencode "query@$QF-q$i" "$URL/exec" || true; done
    c1v=$(ansv qc1 "d['dataset'][0][0]"); check qc1 "$c1v" "$EXPECT_Q1"
    c5v=$(ansv qc5 "d['dataset'][0][0]"); check qc5 "$c5v" "$EXPECT_Q5"
    check qc2_rows "$(ansv qc2 "len(d['dataset'])")" "$HOSTS"
    check qc4_rows "$(ansv qc4 "len(d['dataset'])")" "$HOSTS"
    check qc3_first "$(ansv qc3 "(lambda r: '%s@%s=%s' % (r[0], r[1][:13], '/'.join('%.4f' % v for v in r[2:5])))(d['dataset'][0])")" \
      "$(ansv q3 "(lambda r: '%s@%s=%s' % (r[0], r[1][:13], '/'.join('%.4f' % v for v in r[2:5])))(d['dataset'][0])")"
    log "backup of the compressed root"
    before=$(find "$BKR" -mindepth 1 -maxdepth 1 -type d | wc -l)
    sync; t0=$(now); ans=$(x "BACKUP DATABASE;" || true); t1=$(now)
    BKC=$(find "$BKR" -mindepth 1 -maxdepth 1 -type d ! -name tmp ! -name '_*' -printf '%T@ %p\n' 2>/dev/null | sort -n | tail -1 | cut -d' ' -f2-)
    if echo "$ans" | is_ok 2>/dev/null && [ "$(find "$BKR" -mindepth 1 -maxdepth 1 -type d | wc -l)" -gt "$before" ]; then
      result backup_compressed_s "$(sub "$t0" "$t1")" s
      result backup_compressed_bytes "$(du_b "$BKC")" B
    else
      result backup_compressed_s "\"error: $(echo "$ans" | head -c 200)\""
    fi
  else
    log "CONVERT PARTITION failed: $ans"; result seal_s "\"error: $(echo "$ans" | head -c 200)\""
  fi
  alive_or_restart compressed
  stop_pid $PID
fi

if [ "${SUNDIAL_TCP:-1}" = 1 ]; then
  log "ingest $N rows over TCP line protocol ($PAR connections) into a fresh server"
  mkroot "$T" "$PORT" "$TPORT"; start "$T" "$PORT" "$TPORT"
  x "$DDL" >/dev/null || true
  c0=$(cpu_ticks $PID); t0=$(now)
  # shellcheck disable=SC2016
  ls "$DATA"/lp/part-*.lp | xargs -P "$PAR" -I{} bash -c 'cat "$1" > "/dev/tcp/127.0.0.1/$2"' _ {} "$TPORT"
  t1=$(now)
  if wait_until 300 count_is_n; then
    t2=$(now); c1=$(cpu_ticks $PID)
    result ingest_tcp_s "$(sub "$t0" "$t2")" s
    result ingest_tcp_sent_s "$(sub "$t0" "$t1")" s
    result ingest_tcp_rows_per_s "$(div "$N" "$(sub "$t0" "$t2")")" rows/s
    result ingest_tcp_server_cpu_s "$(div $((c1 - c0)) "$CLK_TCK")" s
  else
    result ingest_tcp_rows_per_s "\"error: count() = $(count 2>/dev/null || echo '?') after 300 s\""
  fi
  stop_pid $PID
fi
[ "$KEEP" = 1 ] || rm -rf "$D" "$BKR" "$T"
log done
