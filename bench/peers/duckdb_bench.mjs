#!/usr/bin/env node
// DuckDB peer for the harness (embedded, via the npm package @duckdb/node-api). Driven by run_duckdb.sh.
// Adapted from the project's shared peer harness: paths come from WORK/OUTD, Parquet reference writes only
// with DUCKDB_PARQUET=1.
// Prints `RESULT system=duckdb metric=... value=... unit=...` lines on stdout (same convention as lib.sh),
// progress on stderr. Subcommands:
//   main                 create DB file, COPY the CSV parts, CHECKPOINT, size, Q1-Q5 in-process (1 warm-up +
//                        RUNS timed, median), Parquet COPY TO (snappy/uncompressed/zstd), EXPORT DATABASE, close
//   query DB SQLFILE     fresh process: open DB (READ_ONLY), run one query, read all rows, close (for hyperfine)
//   noop                 load the module and exit (process-start baseline for hyperfine)
//   count DB [METRIC]    open DB (read-write), SELECT count(*), close; prints METRIC_open_count_s (in-process)
//   import DB DIR        fresh DB file, IMPORT DATABASE DIR, CHECKPOINT, count(*), close
// Env: WORK (scratch dir of this run), OUTD (saved answers), DATA (dataset dir), N, RUNS, DB (db file for main),
//      VARIANT (varchar|enum), QDIR (query files), DUCKDB_NODE_DIR (where `npm install @duckdb/node-api` was run),
//      DUCKDB_PARQUET=1 (also time COPY TO parquet).
import { createRequire } from 'node:module';
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const WORK = process.env.WORK || '/tmp/sundial-compare/run/duckdb';
const NODE_DIR = process.env.DUCKDB_NODE_DIR || '/tmp/sundial-compare/duckdb-node';
const require = createRequire(path.join(NODE_DIR, 'package.json'));
const duckdb = require('@duckdb/node-api');
const { DuckDBInstance } = duckdb;
const SYS = process.env.SYS || 'duckdb';

const result = (metric, value, unit) =>
  console.log(`RESULT system=${SYS} metric=${metric} value=${value}${unit ? ' unit=' + unit : ''}`);
const log = (...a) => console.error(`[${SYS} ${new Date().toISOString().slice(11, 19)}]`, ...a);
const s3 = (ms) => (ms / 1000).toFixed(3);                 // ms -> "s.sss" (lib.sh sub() uses %.3f)
const median = (xs) => { const v = [...xs].sort((a, b) => a - b), n = v.length;
  return n % 2 ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2; };
const fmtMs = (ms) => (ms < 10 ? ms.toFixed(2) : ms.toFixed(1));
const fileSize = (p) => { try { return fs.statSync(p).size; } catch { return 0; } };
const duBytes = (p) => {            // apparent bytes of a file or directory tree (like du -sb)
  const st = fs.lstatSync(p);
  if (!st.isDirectory()) return st.size;
  return fs.readdirSync(p).reduce((a, f) => a + duBytes(path.join(p, f)), st.size);
};
const vmHWM = () => { const m = fs.readFileSync('/proc/self/status', 'utf8').match(/VmHWM:\s+(\d+) kB/);
  return Math.round(+m[1] / 1024); };
const sync = () => execSync('sync');

async function open(file, opts = {}) {
  const inst = await DuckDBInstance.create(file, opts);
  const conn = await inst.connect();
  return { inst, conn, close() { conn.closeSync(); inst.closeSync(); } };
}
const one = async (conn, sql) => (await conn.runAndReadAll(sql)).getRowsJson()[0][0];

// timed statement (+ sync): returns [stmt_ms, stmt_plus_sync_ms]
async function timedStmt(conn, sql) {
  sync();
  const t0 = performance.now(); await conn.run(sql); const t1 = performance.now();
  sync(); const t2 = performance.now();
  return [t1 - t0, t2 - t0];
}

function ddl(variant, meta) {
  const fields = meta.fields.map((f) => `${f} DOUBLE`).join(', ');
  if (variant === 'enum') {
    const hosts = Array.from({ length: meta.hosts }, (_, i) => `'host_${i}'`).join(',');
    const regions = meta.regions.map((r) => `'${r}'`).join(',');
    return [`CREATE TYPE hostname_t AS ENUM (${hosts})`, `CREATE TYPE region_t AS ENUM (${regions})`,
      `CREATE TABLE cpu (hostname hostname_t, region region_t, ts TIMESTAMP, ${fields})`];
  }
  return [`CREATE TABLE cpu (hostname VARCHAR, region VARCHAR, ts TIMESTAMP, ${fields})`];
}

async function main() {
  const DATA = process.env.DATA, N = +process.env.N, RUNS = +(process.env.RUNS || 5);
  const DB = process.env.DB, QDIR = process.env.QDIR, VARIANT = process.env.VARIANT || 'varchar';
  const meta = JSON.parse(fs.readFileSync(path.join(DATA, 'meta.json'), 'utf8'));
  // the CSV has no header line; column order = csv/header.csv = table column order
  const header = fs.readFileSync(path.join(DATA, 'csv', 'header.csv'), 'utf8').trim().split(',');
  const cols = ['hostname', 'region', 'ts', ...meta.fields];
  if (header.join() !== cols.join()) throw new Error(`header.csv mismatch: ${header}`);
  for (const f of [DB, DB + '.wal']) fs.rmSync(f, { force: true });
  fs.mkdirSync(path.dirname(DB), { recursive: true });

  let t0 = performance.now();
  const db = await open(DB);
  result('startup_empty_s', s3(performance.now() - t0), 's');
  result('version', duckdb.version());
  result('node_api_version', JSON.parse(fs.readFileSync(path.join(NODE_DIR, 'node_modules/@duckdb/node-api/package.json'))).version);
  result('node_version', process.version);
  result('threads', await one(db.conn, "SELECT current_setting('threads')"));
  result('variant', VARIANT);
  for (const s of ddl(VARIANT, meta)) await db.conn.run(s);

  const glob = path.join(DATA, 'csv', 'part-*.csv');
  log(`ingest ${N} rows: COPY cpu FROM '${glob}' + CHECKPOINT`);
  const c0 = process.cpuUsage();
  t0 = performance.now();
  await db.conn.run(`COPY cpu FROM '${glob}' (FORMAT csv, HEADER false)`);
  const t1 = performance.now();
  await db.conn.run('CHECKPOINT');
  const t2 = performance.now();
  const c1 = process.cpuUsage(c0);
  const rows = Number(await one(db.conn, 'SELECT count(*) FROM cpu'));
  if (rows !== N) throw new Error(`loaded ${rows} rows, expected ${N}`);
  result('ingest_s', s3(t2 - t0), 's');
  result('ingest_copy_s', s3(t1 - t0), 's');
  result('ingest_checkpoint_s', s3(t2 - t1), 's');
  result('ingest_copy_rows_per_s', (N / ((t1 - t0) / 1000)).toFixed(1), 'rows/s');
  result('ingest_rows_per_s', (N / ((t2 - t0) / 1000)).toFixed(1), 'rows/s');
  result('ingest_process_cpu_s', ((c1.user + c1.system) / 1e6).toFixed(1), 's');
  result('rss_hwm_after_ingest_mb', vmHWM(), 'MB');
  result('disk_after_ingest_bytes', fileSize(DB) + fileSize(DB + '.wal'), 'B');
  result('wal_after_ingest_bytes', fileSize(DB + '.wal'), 'B');
  const ds = (await db.conn.runAndReadAll('PRAGMA database_size')).getRowObjectsJson()[0];
  result('db_block_size', ds.block_size, 'B');
  result('db_used_blocks', ds.used_blocks);
  result('db_free_blocks', ds.free_blocks);

  // Q1-Q5 in-process: performance.now() around runAndReadAll (query + fetching all result chunks;
  // no conversion to JS values). 1 warm-up (its result is saved for the cross-check) + RUNS timed.
  const out = process.env.OUTD || path.join(WORK, 'out'); fs.mkdirSync(out, { recursive: true });
  const res = {};
  // q4b/q4c (if present) = alternative Q4 formulations, reported separately
  const ids = [1, 2, 3, 4, 5, '4b', '4c'].filter((i) => fs.existsSync(path.join(QDIR, `duckdb-q${i}.sql`)));
  for (const i of ids) {
    const sql = fs.readFileSync(path.join(QDIR, `duckdb-q${i}.sql`), 'utf8');
    const r = await db.conn.runAndReadAll(sql);                       // warm-up
    res[i] = r.getRowObjectsJson();
    fs.writeFileSync(path.join(out, `${SYS}-q${i}.json`), JSON.stringify(res[i]));
    const ts = [];
    for (let k = 0; k < RUNS; k++) {
      const a = performance.now(); await db.conn.runAndReadAll(sql); ts.push(performance.now() - a);
    }
    result(`q${i}_median_ms`, fmtMs(median(ts)), 'ms');
    log(`q${i} ms: ${ts.map(fmtMs).join(' ')}`);
  }
  result('q1_value', res[1][0][Object.keys(res[1][0])[0]]);
  result('q5_value', res[5][0][Object.keys(res[5][0])[0]]);
  result('q2_rows', res[2].length);
  result('q3_rows', res[3].length);
  for (const i of ids.filter((i) => String(i).startsWith('4'))) result(`q${i}_rows`, res[i].length);
  const h0 = res[3][0];   // Q3 ORDER BY hostname, hour: first row = host_0, first hour of the day
  log(`q3 first row: ${JSON.stringify(h0)}`);
  result('q3_host0_first_hour', `${h0.hostname}@${String(h0.hour).slice(0, 13).replace(' ', 'T')}=` +
    [h0.avg_user, h0.avg_system, h0.avg_idle].map((x) => (+x).toFixed(4)).join('/'));
  result('rss_hwm_after_queries_mb', vmHWM(), 'MB');

  // Parquet reference: the table as one Parquet file (DuckDB default = snappy, 122,880-row row groups)
  const pq = path.join(WORK, 'parquet');
  fs.rmSync(pq, { recursive: true, force: true }); fs.mkdirSync(pq, { recursive: true });
  if (process.env.DUCKDB_PARQUET === '1') for (const [name, opt] of [['parquet', ''], ['parquet_uncompressed', ', COMPRESSION uncompressed'],
    ['parquet_zstd', ', COMPRESSION zstd']]) {
    const f = path.join(pq, `cpu-${name}.parquet`);
    const [a, b] = await timedStmt(db.conn, `COPY cpu TO '${f}' (FORMAT parquet${opt})`);
    result(`${name}_s`, s3(a), 's'); result(`${name}_sync_s`, s3(b), 's');
    result(`${name}_bytes`, fileSize(f), 'B');
    log(`${name}: ${s3(a)} s, ${fileSize(f)} B`);
  }

  // "native backup" #1: EXPORT DATABASE ... (FORMAT PARQUET) = schema.sql + load.sql + cpu.parquet (snappy)
  const ex = path.join(WORK, 'export');
  fs.rmSync(ex, { recursive: true, force: true });
  const [a, b] = await timedStmt(db.conn, `EXPORT DATABASE '${ex}' (FORMAT parquet)`);
  result('export_parquet_s', s3(a), 's'); result('export_parquet_sync_s', s3(b), 's');
  result('export_parquet_bytes', duBytes(ex), 'B');
  result('export_parquet_files', fs.readdirSync(ex).length);
  result('process_rss_hwm_mb', vmHWM(), 'MB');
  const cpu = process.cpuUsage();
  result('process_cpu_total_s', ((cpu.user + cpu.system) / 1e6).toFixed(1), 's');
  t0 = performance.now(); db.close(); result('shutdown_s', s3(performance.now() - t0), 's');
}

async function query(file, sqlfile) {
  const db = await open(file, { access_mode: 'READ_ONLY' });
  await db.conn.runAndReadAll(fs.readFileSync(sqlfile, 'utf8'));
  db.close();
}

async function count(file, metric) {
  const t0 = performance.now();
  const db = await open(file);
  const n = await one(db.conn, 'SELECT count(*) FROM cpu');
  db.close();
  if (metric) result(`${metric}_open_count_s`, s3(performance.now() - t0), 's');
  console.error(`count=${n}`);
  if (process.env.N && Number(n) !== +process.env.N) { console.error(`count ${n} != N ${process.env.N}`); process.exit(1); }
}

async function importDb(file, dir) {
  for (const f of [file, file + '.wal']) fs.rmSync(f, { force: true });
  const t0 = performance.now();
  const db = await open(file);
  await db.conn.run(`IMPORT DATABASE '${dir}'`);
  await db.conn.run('CHECKPOINT');
  const n = await one(db.conn, 'SELECT count(*) FROM cpu');
  db.close();
  result('import_open_count_s', s3(performance.now() - t0), 's');
  if (process.env.N && Number(n) !== +process.env.N) { console.error(`count ${n} != N`); process.exit(1); }
}

const [cmd, ...args] = process.argv.slice(2);
const cmds = { main, query, count, import: importDb, noop: async () => {} };
if (!cmds[cmd]) { console.error(`usage: duckdb_bench.mjs ${Object.keys(cmds).join('|')} ...`); process.exit(2); }
await cmds[cmd](...args);
