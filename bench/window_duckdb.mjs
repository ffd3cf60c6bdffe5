#!/usr/bin/env node
// DuckDB's in-process time for the window query of bench/window_bench.cpp, on the same data
// (bench/peers/gen.py's CSV). Driven by bench/window_duckdb.sh.
// Usage: node window_duckdb.mjs CSV_GLOB RUNS   (env DUCKDB_NODE_DIR: where @duckdb/node-api is
// npm-installed). Loads the CSV into an in-memory database, runs the query once to warm up and
// RUNS times timed (performance.now() around runAndReadAll: the query and every result chunk),
// prints `RESULT system=duckdb metric=window_cpu_day_ms value=<median> unit=ms` and the row count.
import { createRequire } from 'node:module';
import path from 'node:path';

const [glob, runsArg] = process.argv.slice(2);
const RUNS = +(runsArg || 5);
const require = createRequire(path.join(process.env.DUCKDB_NODE_DIR, 'package.json'));
const { DuckDBInstance } = require('@duckdb/node-api');

const FIELDS = ['usage_user', 'usage_system', 'usage_idle', 'usage_nice', 'usage_iowait',
  'usage_irq', 'usage_softirq', 'usage_steal', 'usage_guest', 'usage_guest_nice'];
const QUERY = "SELECT ts, hostname, usage_user, row_number() OVER (PARTITION BY hostname ORDER BY ts), " +
  "avg(usage_user) OVER (PARTITION BY hostname ORDER BY ts ROWS BETWEEN 9 PRECEDING AND CURRENT ROW) " +
  "FROM cpu WHERE ts >= TIMESTAMP '2024-01-02 00:00:00' AND ts < TIMESTAMP '2024-01-03 00:00:00'";

const inst = await DuckDBInstance.create(':memory:');
const conn = await inst.connect();
await conn.run(`CREATE TABLE cpu (hostname VARCHAR, region VARCHAR, ts TIMESTAMP, ${FIELDS.map((f) => f + ' DOUBLE').join(', ')})`);
await conn.run(`COPY cpu FROM '${glob}' (FORMAT csv, HEADER false)`);
const threads = (await conn.runAndReadAll("SELECT current_setting('threads')")).getRows()[0][0];
let rows = 0;
const times = [];
for (let i = 0; i <= RUNS; ++i) {
  const t0 = performance.now();
  const r = await conn.runAndReadAll(QUERY);
  const ms = performance.now() - t0;
  rows = r.currentRowCount;
  if (i > 0) times.push(ms);
}
times.sort((a, b) => a - b);
const median = times.length % 2 ? times[(times.length - 1) / 2] : (times[times.length / 2 - 1] + times[times.length / 2]) / 2;
console.log(`RESULT system=duckdb metric=window_cpu_day_ms value=${median.toFixed(1)} unit=ms`);
console.log(`RESULT system=duckdb metric=window_cpu_day_rows value=${rows}`);
console.log(`RESULT system=duckdb metric=threads value=${threads}`);
conn.closeSync();
inst.closeSync();
