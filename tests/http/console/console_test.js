// Drives the web console (GET /) in headless Chromium with playwright-core, against two real
// servers started by tests/http/console_test.cpp:
//   SUNDIAL_OPEN_PORT  no auth, a backup root: rows, errors, chart, paging, tables, backups,
//                      history
//   SUNDIAL_AUTH_PORT  Basic auth (SUNDIAL_USER / SUNDIAL_PASSWORD) and read-only: the login
//                      form (a wrong password first), a query, the backup button's 403
// The rows written are a model (rowOf); what the page shows is checked against it.
// Screenshots go to SUNDIAL_ARTIFACTS (paths printed). Exit code 0 = every check passed.
'use strict';

const assert = require('node:assert/strict');
const path = require('node:path');
const { chromium } = require('playwright-core');

const OPEN = `http://127.0.0.1:${process.env.SUNDIAL_OPEN_PORT}`;
const AUTH = `http://127.0.0.1:${process.env.SUNDIAL_AUTH_PORT}`;
const USER = process.env.SUNDIAL_USER;
const PASSWORD = process.env.SUNDIAL_PASSWORD;
const ARTIFACTS = process.env.SUNDIAL_ARTIFACTS;
const CHROMIUM = process.env.SUNDIAL_CHROMIUM || '/usr/bin/chromium';
const ROWS = 10000;
const PAGE_ROWS = 1000;  // the page's PAGE_ROWS
const BASE_S = Date.UTC(2026, 0, 1) / 1000;
const STEP_S = 60;

// ---- The model ---------------------------------------------------------------------------------

function rowOf(i) {
  return { site: i % 2 ? 'b' : 'a', temp: (i % 100) * 0.5, hum: i % 37, ts_s: BASE_S + i * STEP_S };
}

// The server's text for a DOUBLE (Java's layout for these values) and a TIMESTAMP.
function doubleText(v) { return Number.isInteger(v) ? v.toFixed(1) : String(v); }
function timestampText(s) { return new Date(s * 1000).toISOString().replace('.000Z', '.000000Z'); }

// The grid's cells of row i of `SELECT * FROM sensors` (the row number first).
function gridCells(i) {
  const r = rowOf(i);
  return [String(i + 1), r.site, doubleText(r.temp), String(r.hum), timestampText(r.ts_s)];
}

// SAMPLE BY 1d over the model: [{day_s, avg, max}] in time order.
function dailyModel() {
  const days = new Map();
  for (let i = 0; i < ROWS; i++) {
    const r = rowOf(i);
    const day = Math.floor(r.ts_s / 86400) * 86400;
    const d = days.get(day) || { day_s: day, sum: 0, n: 0, max: -Infinity };
    d.sum += r.temp;
    d.n++;
    d.max = Math.max(d.max, r.hum);
    days.set(day, d);
  }
  return [...days.values()].sort((a, b) => a.day_s - b.day_s)
      .map((d) => ({ day_s: d.day_s, avg: d.sum / d.n, max: d.max }));
}

// ---- Helpers -----------------------------------------------------------------------------------

async function ingest() {
  const lines = [];
  for (let i = 0; i < ROWS; i++) {
    const r = rowOf(i);
    lines.push(`sensors,site=${r.site} temp=${r.temp},hum=${r.hum}i ${r.ts_s}000000000`);
  }
  const resp = await fetch(`${OPEN}/write`, { method: 'POST', body: lines.join('\n') + '\n' });
  assert.equal(resp.status, 204, await resp.text());
}

async function shot(page, name) {
  const file = path.join(ARTIFACTS, name + '.png');
  await page.screenshot({ path: file, fullPage: true });
  console.log('screenshot: ' + file);
}

async function runSql(page, sql) {
  await page.fill('#sql', sql);
  await page.click('#run');
}

// Waits until the text of `selector` matches `re`; on timeout the error shows the text.
async function waitText(page, selector, re, timeout = 15000) {
  try {
    await page.waitForFunction(([sel, src]) => {
      const e = document.querySelector(sel);
      return e !== null && new RegExp(src).test(e.textContent);
    }, [selector, re.source], { timeout });
  } catch (e) {
    const text = await page.textContent(selector).catch(() => '(no element)');
    throw new Error(`${selector} never matched ${re}: ${JSON.stringify(text)}`);
  }
  return page.textContent(selector);
}

function statusText(page, re) { return waitText(page, '#status', re); }

// Cell texts of the grid's rows (row number first).
function gridRows(page) {
  return page.$$eval('#grid-table tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
}

// Points of a chart path's "M x,y L x,y ..." as [[x, y]].
function pathPoints(d) {
  return [...d.matchAll(/[ML](-?[\d.]+),(-?[\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
}

let stepStart = Date.now();
function step(name) {
  const now = Date.now();
  console.log(`ok ${name} (${now - stepStart} ms)`);
  stepStart = now;
}

// ---- The open server ---------------------------------------------------------------------------

async function openServer(browser) {
  await ingest();
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  const execLimits = [];
  const foreign = [];  // requests that leave the server: none, the page is self-contained
  page.on('request', (req) => {
    if (!req.url().startsWith(OPEN + '/') && !req.url().startsWith('data:')) foreign.push(req.url());
    const u = new URL(req.url());
    if (u.pathname === '/exec') execLimits.push([u.searchParams.get('query'), u.searchParams.get('limit')]);
  });
  await page.goto(OPEN + '/');
  await page.waitForSelector('details[data-table="sensors"]');
  step('page loads, tables panel lists sensors');

  // A query and its rows.
  await runSql(page, 'SELECT * FROM sensors LIMIT 5;');
  await statusText(page, /^5 rows/);
  assert.deepEqual(await gridRows(page), [0, 1, 2, 3, 4].map(gridCells));
  const heads = await page.$$eval('#grid-table th', (ths) => ths.map((t) => t.textContent));
  assert.deepEqual(heads, ['#', 'siteSYMBOL', 'tempDOUBLE', 'humLONG', 'timestampTIMESTAMP']);
  step('a query shows its rows');

  // Ctrl+Enter runs the selection only. An error shows the server's message and position (a
  // byte offset), and selects that place in the editor (counted from the selection's start).
  const first = 'SELECT * FROM sensors LIMIT 2;\n';
  const prefix = "SELECT 'é', ";
  await page.fill('#sql', first + prefix + 'nope FROM sensors;');
  await page.$eval('#sql', (t, from) => t.setSelectionRange(from, t.value.length), first.length);
  await page.press('#sql', 'Control+Enter');
  const err = await statusText(page, /nope/);
  const bytes = Buffer.byteLength(prefix);
  assert.equal(bytes, prefix.length + 1);
  assert.equal(err, `400: Invalid column: nope (at position ${bytes})`);
  assert.equal(await page.$eval('#sql', (t) => t.selectionStart), first.length + prefix.length);
  assert.equal(await page.$eval('#sql', (t) => t.value.slice(t.selectionStart, t.selectionEnd)), 'n');
  assert.equal(await page.$$eval('#grid-table', (t) => t.length), 0);
  step('an error shows message and position');

  // Cancel: the answer is held back (by the test) until the user cancels.
  const slow = 'SELECT x FROM long_sequence(5);';
  const isSlow = (u) => new URL(u).searchParams.get('query') === slow;
  let release;
  const held = new Promise((r) => { release = r; });
  await page.route(isSlow, async (route) => {
    await held;
    await route.continue().catch(() => {});  // the page gave up on it
  });
  await runSql(page, slow);
  await page.waitForSelector('#cancel', { state: 'visible' });
  assert.equal(await page.isDisabled('#run'), true);
  await page.click('#cancel');
  await statusText(page, /^Cancelled\.$/);
  assert.equal(await page.isHidden('#cancel'), true);
  assert.equal(await page.isDisabled('#run'), false);
  assert.equal(await page.isHidden('#result-bar'), true);
  release();
  await page.unroute(isSlow);
  step('a running query can be cancelled');

  // SAMPLE BY: a chart with one line per value column, a point per bucket, in time order,
  // heights ordered as the values are.
  const daily = dailyModel();
  await runSql(page, 'SELECT timestamp, avg(temp), max(hum) FROM sensors SAMPLE BY 1d;');
  await statusText(page, new RegExp(`^${daily.length} rows`));
  await page.waitForSelector('#chart svg.chart path[data-series]', { state: 'visible' });
  const paths = await page.$$eval('#chart path[data-series]', (ps) =>
      ps.map((p) => ({ name: p.dataset.series, points: Number(p.dataset.points), d: p.getAttribute('d') })));
  assert.deepEqual(paths.map((p) => p.name), ['avg', 'max']);
  const avg = pathPoints(paths[0].d);
  assert.equal(paths[0].points, daily.length);
  assert.equal(avg.length, daily.length);
  for (let k = 1; k < avg.length; k++) assert.ok(avg[k][0] > avg[k - 1][0], 'x grows with time');
  for (let a = 0; a < daily.length; a++) {
    for (let b = 0; b < daily.length; b++) {
      if (Math.abs(daily[a].avg - daily[b].avg) > 1e-9 && daily[a].avg > daily[b].avg) {
        assert.ok(avg[a][1] < avg[b][1], `bucket ${a} above bucket ${b}`);
      }
    }
  }
  // Every day's max(hum) is 36: a flat line above every average.
  const ys = avg.map((p) => p[1]);
  const maxPts = pathPoints(paths[1].d);
  assert.equal(maxPts.length, daily.length);
  assert.ok(maxPts.every((p) => p[1] === maxPts[0][1]), 'max(hum) is a flat line');
  assert.ok(maxPts[0][1] < Math.min(...ys), 'max(hum)=36 is above every average');
  await shot(page, 'console-chart');
  // The grid of the same result, against the model.
  await page.click('#tab-grid');
  const sampled = await gridRows(page);
  assert.deepEqual(sampled.map((r) => r[1]), daily.map((d) => timestampText(d.day_s)));
  sampled.forEach((r, k) => assert.ok(Math.abs(Number(r[2]) - daily[k].avg) < 1e-9, `avg of day ${k}`));
  step('SAMPLE BY draws a chart');

  // A keyed SAMPLE BY: one line per key.
  await runSql(page, 'SELECT site, timestamp, avg(temp) FROM sensors SAMPLE BY 1d;');
  await statusText(page, /rows/);
  await page.waitForSelector('#chart path[data-series="a avg"]', { state: 'visible' });
  const keyed = await page.$$eval('#chart path[data-series]', (ps) =>
      ps.map((p) => [p.dataset.series, Number(p.dataset.points)]));
  assert.deepEqual(keyed, [['a avg', daily.length], ['b avg', daily.length]]);
  // A result without a designated timestamp has no chart.
  await runSql(page, 'SELECT site, hum FROM sensors LIMIT 3;');
  await statusText(page, /^3 rows/);
  assert.equal(await page.isHidden('#tab-chart'), true);
  step('a keyed SAMPLE BY draws a line per key; no chart without a timestamp');

  // 10,000 rows: pages of 1000 fetched with limit=lo,hi.
  execLimits.length = 0;
  await runSql(page, 'SELECT * FROM sensors;');
  await waitText(page, '#page-info', /^rows 1–1000 of 10000$/);
  let rows = await gridRows(page);
  assert.equal(rows.length, PAGE_ROWS);
  assert.deepEqual(rows[0], gridCells(0));
  assert.deepEqual(rows[PAGE_ROWS - 1], gridCells(PAGE_ROWS - 1));
  await page.click('#page-next');
  await waitText(page, '#page-info', /^rows 1001–2000 of 10000$/);
  rows = await gridRows(page);
  assert.equal(rows.length, PAGE_ROWS);
  for (let k = 0; k < PAGE_ROWS; k += 97) assert.deepEqual(rows[k], gridCells(PAGE_ROWS + k));
  assert.deepEqual(rows[PAGE_ROWS - 1], gridCells(2 * PAGE_ROWS - 1));
  await shot(page, 'console-page2');
  await page.click('#page-last');
  await waitText(page, '#page-info', /^rows 9001–10000 of 10000$/);
  rows = await gridRows(page);
  assert.deepEqual(rows[rows.length - 1], gridCells(ROWS - 1));
  assert.equal(await page.isDisabled('#page-next'), true);
  const pageRequests = execLimits.filter(([q]) => q === 'SELECT * FROM sensors;').map(([, l]) => l);
  assert.deepEqual(pageRequests, ['1,1000', '1001,2000', '9001,10000']);
  step('a 10,000-row result pages with limit=lo,hi');

  // Tables panel: columns and partitions of sensors; the partitions hold every row.
  await page.click('details[data-table="sensors"] summary');
  await page.waitForSelector('details[data-table="sensors"] .table-total');
  const total = await page.textContent('details[data-table="sensors"] .table-total');
  assert.match(total, new RegExp(`^${daily.length} partitions, ${ROWS} rows, `));
  const cols = await page.$$eval('details[data-table="sensors"] table.columns tr', (trs) =>
      trs.slice(1).map((tr) => [...tr.cells].map((c) => c.textContent)));
  assert.deepEqual(cols, [['site', 'SYMBOL'], ['temp', 'DOUBLE'], ['hum', 'LONG'],
                          ['timestamp', 'TIMESTAMP (designated)']]);
  const partRows = await page.$$eval('details[data-table="sensors"] table.partitions tr', (trs) =>
      trs.slice(1).map((tr) => Number(tr.cells[1].textContent)));
  assert.equal(partRows.reduce((a, b) => a + b, 0), ROWS);
  await page.click('details[data-table="sensors"] button:text("Query")');
  await statusText(page, new RegExp(`^${ROWS} rows`));
  assert.equal(await page.inputValue('#sql'), 'SELECT * FROM "sensors";');
  step('tables panel shows columns and partitions');

  // Backups: start one, see it listed complete, verify it.
  const before = await page.$$eval('#backups-table tr[data-backup]', (trs) => trs.length);
  await page.click('#backup-now');
  await page.waitForSelector('#backups-table tr[data-status*="complete"]:not([data-backup=""])',
                             { timeout: 30000 });
  const listed = await page.$$eval('#backups-table tr[data-backup]', (trs) =>
      trs.map((tr) => [tr.dataset.backup, tr.dataset.status, tr.cells[2].textContent]));
  assert.equal(listed.length, before + 1);
  assert.match(listed[0][1], /complete/);
  assert.match(listed[0][2], /^\d+(\.\d)? (B|KiB|MiB)/);
  assert.match(await page.textContent('#backup-msg'), /^Backup started \(2\d{3}-/);
  await page.click(`#backups-table tr[data-backup="${listed[0][0]}"] button.verify`);
  await waitText(page, '#backup-msg', /^Verified /);
  assert.equal(await page.textContent('#backup-msg'),
               `Verified ${listed[0][0]}: every file matches the manifest.`);
  await shot(page, 'console-backup');
  step('a backup is started, listed and verified');

  // History survives a reload.
  await page.reload();
  await page.waitForSelector('details[data-table="sensors"]');
  const history = await page.$$eval('#history option', (os) => os.map((o) => o.value));
  assert.deepEqual(history.slice(0, 4), ['', 'SELECT * FROM "sensors";', 'SELECT * FROM sensors;',
                                         'SELECT site, hum FROM sensors LIMIT 3;']);
  assert.equal(await page.inputValue('#sql'), 'SELECT * FROM "sensors";');
  step('history and the editor survive a reload');

  assert.deepEqual(pageErrors, []);
  assert.deepEqual(foreign, []);
  await context.close();
}

// ---- The server with auth, read-only -----------------------------------------------------------

async function authServer(browser) {
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  const unauthorized = [];
  page.on('response', (r) => { if (r.status() === 401) unauthorized.push(r.url()); });
  await page.goto(AUTH + '/');
  await page.waitForSelector('dialog#login[open]');
  assert.ok(unauthorized.length >= 1);
  step('auth: the page loads and asks for credentials');

  await page.fill('#login-user', USER);
  await page.fill('#login-password', PASSWORD + 'x');
  await page.click('#login-submit');
  await page.waitForFunction(() => document.getElementById('login').open &&
      document.getElementById('login-msg').textContent === 'Wrong user name or password.');
  await shot(page, 'console-login');
  await page.fill('#login-user', USER);
  await page.fill('#login-password', PASSWORD);
  await page.click('#login-submit');
  await waitText(page, '#tables-msg', /^No tables yet\.$/);
  assert.equal(await page.isVisible('dialog#login'), false);
  step('auth: a wrong password asks again, the right one logs in');

  assert.equal(await page.isHidden('#result-bar'), true, 'no result yet: no pager');
  await runSql(page, 'SELECT x FROM long_sequence(3);');
  await statusText(page, /^3 rows/);
  assert.deepEqual(await gridRows(page), [['1', '1'], ['2', '2'], ['3', '3']]);
  assert.equal(await page.isVisible('#result-bar'), true);
  assert.equal(await page.isHidden('#tab-chart'), true);
  await page.click('#backup-now');
  await waitText(page, '#backup-msg', /^403: /);
  assert.match(await page.textContent('#backup-msg'), /read-only/);
  await shot(page, 'console-readonly');
  step('auth: queries run; read-only refuses the backup with 403');

  assert.deepEqual(pageErrors, []);
  await context.close();
}

async function main() {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
  try {
    await openServer(browser);
    await authServer(browser);
  } finally {
    await browser.close();
  }
  console.log('all console checks passed');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
