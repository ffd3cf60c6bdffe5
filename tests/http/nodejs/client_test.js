// Ingests rows with @questdb/nodejs-client 4.2.0 over HTTP (auto protocol discovery via
// /settings, and Basic auth) and over TCP, then reads them back via /exec exactly. A bad row
// must surface the server's message in the client's error and commit nothing.
// Over TCP with QuestDB's key authentication (username = key id, token = private key), the rows
// arrive; with a wrong private key the server closes the connection and nothing is written.
// Env: SUNDIAL_HTTP_PORT, SUNDIAL_TCP_PORT (open server), SUNDIAL_AUTH_PORT (http.user=admin,
// http.password=quest), SUNDIAL_KEYS_HTTP_PORT, SUNDIAL_KEYS_TCP_PORT (http.user=admin,
// http.password=quest, line.tcp.auth.db.path with key SUNDIAL_KEY_ID), SUNDIAL_KEY_TOKEN (its
// private key, base64url), SUNDIAL_WRONG_TOKEN (another private key).
'use strict';
const assert = require('node:assert/strict');
const { Sender } = require('@questdb/nodejs-client');

const host = '127.0.0.1';
const httpPort = process.env.SUNDIAL_HTTP_PORT;
const tcpPort = process.env.SUNDIAL_TCP_PORT;
const authPort = process.env.SUNDIAL_AUTH_PORT;
const keysHttpPort = process.env.SUNDIAL_KEYS_HTTP_PORT;
const keysTcpPort = process.env.SUNDIAL_KEYS_TCP_PORT;
const keyId = process.env.SUNDIAL_KEY_ID;
const keyToken = process.env.SUNDIAL_KEY_TOKEN;
const wrongToken = process.env.SUNDIAL_WRONG_TOKEN;
const BASE_US = 1700000000000000n;
const NOTE = 'he said "hi", back\\slash\nnew line';

async function exec(port, sql, auth) {
  const headers = auth ? { Authorization: 'Basic ' + Buffer.from(auth).toString('base64') } : {};
  const res = await fetch(`http://${host}:${port}/exec?query=${encodeURIComponent(sql)}`, { headers });
  const text = await res.text();
  return { status: res.status, json: text.length ? JSON.parse(text) : null, text };
}

async function writeRows(sender, table, n) {
  for (let i = 0; i < n; i++) {
    await sender.table(table)
      .symbol('sym', 's' + (i % 3))
      .floatColumn('price', i * 0.5)
      .intColumn('qty', i)
      .stringColumn('note', NOTE)
      .booleanColumn('ok', i % 2 === 0)
      .timestampColumn('ts', BASE_US + BigInt(i), 'us')
      .at(BASE_US + BigInt(i) * 1000n, 'us');
  }
  await sender.flush();
}

function iso(us) {
  const ms = Number(us / 1000n);
  const frac = String(us % 1000000n).padStart(6, '0');
  return new Date(ms).toISOString().slice(0, 19) + '.' + frac + 'Z';
}

function checkRows(result, n) {
  assert.equal(result.status, 200, result.text);
  const j = result.json;
  assert.deepEqual(j.columns.map(c => [c.name, c.type]), [
    ['sym', 'SYMBOL'], ['price', 'DOUBLE'], ['qty', 'LONG'], ['note', 'VARCHAR'],
    ['ok', 'BOOLEAN'], ['ts', 'TIMESTAMP'], ['timestamp', 'TIMESTAMP']]);
  assert.equal(j.count, n);
  assert.equal(j.dataset.length, n);
  for (let i = 0; i < n; i++) {
    assert.deepEqual(j.dataset[i], ['s' + (i % 3), i * 0.5, i, NOTE, i % 2 === 0,
      iso(BASE_US + BigInt(i)), iso(BASE_US + BigInt(i) * 1000n)], `row ${i}`);
  }
}

async function waitForCount(port, table, n, timeoutMs, auth) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await exec(port, `select * from ${table}`, auth);
    if (last.status === 200 && last.json.count === n) return last;
    await new Promise(r => setTimeout(r, 100));
  }
  return last;
}

async function main() {
  // 1. HTTP, default protocol discovery (GET /settings).
  {
    const sender = await Sender.fromConfig(`http::addr=${host}:${httpPort}`);
    await writeRows(sender, 'nodejs_http', 1000);
    await sender.close();
    checkRows(await exec(httpPort, 'select * from nodejs_http'), 1000);
    console.log('http auto: 1000 rows read back exactly');
  }
  // 2. HTTP with Basic auth; and without credentials the client surfaces the 401.
  {
    const sender = await Sender.fromConfig(
      `http::addr=${host}:${authPort};username=admin;password=quest`);
    await writeRows(sender, 'nodejs_auth', 200);
    await sender.close();
    checkRows(await exec(authPort, 'select * from nodejs_auth', 'admin:quest'), 200);
    const anon = await Sender.fromConfig(`http::addr=${host}:${authPort};protocol_version=1`);
    await anon.table('nodejs_auth').floatColumn('price', 1).atNow();
    await assert.rejects(anon.flush(), /401/);
    await anon.close().catch(() => {});
    console.log('http basic auth: 200 rows read back exactly; missing credentials rejected');
  }
  // 3. TCP.
  {
    const sender = await Sender.fromConfig(`tcp::addr=${host}:${tcpPort}`);
    await sender.connect();
    await writeRows(sender, 'nodejs_tcp', 700);
    await sender.close();
    checkRows(await waitForCount(httpPort, 'nodejs_tcp', 700, 10000), 700);
    console.log('tcp: 700 rows read back exactly');
  }
  // 5. TCP with key authentication: the right key writes, a wrong one writes nothing.
  {
    const sender = await Sender.fromConfig(
      `tcp::addr=${host}:${keysTcpPort};username=${keyId};token=${keyToken}`);
    await sender.connect();
    await writeRows(sender, 'nodejs_tcp_auth', 300);
    await sender.close();
    checkRows(await waitForCount(keysHttpPort, 'nodejs_tcp_auth', 300, 10000, 'admin:quest'), 300);
    const wrong = await Sender.fromConfig(
      `tcp::addr=${host}:${keysTcpPort};username=${keyId};token=${wrongToken}`);
    try {
      await wrong.connect();
      await writeRows(wrong, 'nodejs_tcp_denied', 50);
      await new Promise(r => setTimeout(r, 300));
      await writeRows(wrong, 'nodejs_tcp_denied', 50);
    } catch (e) {
      console.log('wrong key: client saw ' + (e && e.code ? e.code : e));
    }
    await wrong.close().catch(() => {});
    await new Promise(r => setTimeout(r, 1500));
    const denied = await exec(keysHttpPort, 'select * from nodejs_tcp_denied', 'admin:quest');
    assert.equal(denied.status, 400, denied.text);
    assert.match(denied.text, /table does not exist/);
    const ok = await exec(keysHttpPort, 'select * from nodejs_tcp_auth', 'admin:quest');
    assert.equal(ok.json.count, 300);
    console.log('tcp key auth: 300 rows read back exactly; a wrong key wrote nothing');
  }
  // 4. A bad row: the server's message reaches the caller and nothing of the batch commits.
  {
    const sender = await Sender.fromConfig(`http::addr=${host}:${httpPort}`);
    await sender.table('nodejs_bad').floatColumn('v', 1).at(BASE_US, 'us');
    await sender.table('nodejs_http').stringColumn('price', 'not a number').at(BASE_US, 'us');
    await sender.table('nodejs_bad').floatColumn('v', 2).at(BASE_US + 1n, 'us');
    let message = '';
    try {
      await sender.flush();
    } catch (e) {
      message = String(e && e.message);
    }
    await sender.close().catch(() => {});
    assert.match(message, /400/, message);
    assert.match(message, /error in line 2/, message);
    assert.match(message, /errorId/, message);
    const bad = await exec(httpPort, 'select * from nodejs_bad');
    assert.ok(bad.status === 400 || bad.json.count === 0, bad.text);
    const http = await exec(httpPort, 'select * from nodejs_http');
    assert.equal(http.json.count, 1000);
    console.log('bad row: rejected with the server message, nothing committed');
  }
}

main().then(() => {
  console.log('nodejs client test passed');
}, (e) => {
  console.error('nodejs client test FAILED:', e);
  process.exit(1);
});
