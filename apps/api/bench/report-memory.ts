// The API's memory while it streams CSV reports: `pnpm bench:report-memory [--payments 100000]`.
//
// Seeds a fresh database with `--payments` payments (in batches of a tenth of them), runs the API as a
// process, and downloads through it, sampling its resident memory (VmRSS) every 20 ms:
//   (a) one batch's CSV (a tenth of the rows), read at full speed;
//   (b) the payouts report's CSV (every row), read at full speed;
//   (c) the same, read by a slow client that stops reading for 3 s half-way;
// and prints each download's RSS growth over the API's idle RSS, with (b)/(a) and the baseline of what
// an export that buffers would hold: the same rows read at once and turned into one CSV string, in this
// process (heap and RSS growth measured around it). Run by hand on a quiet machine; never in tests.

import http from 'node:http';
import { parseArgs } from 'node:util';
import { createApiKey, createBatches, exportPayouts, formatUsd, parseUsd } from '@payouts/core';
import { makeDb, migrate } from '@payouts/db';
import { insertPayableAffiliates, sampleRss, spawnApi, treeRss } from '@payouts/testing';
import { parse } from 'csv-parse';
import pg from 'pg';

const { values } = parseArgs({ options: { payments: { type: 'string', default: '100000' } } });
const payments = Number(values.payments);
if (!Number.isSafeInteger(payments) || payments < 1000) throw new Error('--payments must be an integer >= 1000');

const server = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const name = `payouts_report_bench_${process.pid}`;
const url = new URL(server);
url.pathname = `/${name}`;
const databaseUrl = url.toString();
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

async function seed() {
  await migrate(databaseUrl);
  const db = makeDb(databaseUrl, { max: 4 });
  // 5 commissions of 10.00-19.99 each make every affiliate payable (total >= 50.00).
  await insertPayableAffiliates(db, Math.ceil(payments / 5), 5);
  const started = performance.now();
  const created = await createBatches(
    { db },
    { provider: 'MOCK', minPayout: '50.00', maxBatchSize: Math.ceil(payments / 10) },
    { actor: 'bench:report-memory' },
  );
  const key = await createApiKey({ db }, { role: 'operator', name: 'bench' });
  const rows = await db.disbursementTransaction.count();
  process.stdout.write(
    `seeded ${rows} payments in ${created.batches.length} batches (${((performance.now() - started) / 1000).toFixed(1)} s)\n`,
  );
  return { db, key: key.key, batchId: created.batches[0]?.id ?? '', rows };
}

interface Download {
  rows: number;
  bytes: number;
  cents: bigint;
  ms: number;
  peakRss: number;
}

/** Downloads a CSV, parsing it as it arrives; `pauseAtRow` stops reading for 3 s there (a slow client). */
function download(apiUrl: string, path: string, key: string, pid: number, pauseAtRow = 0): Promise<Download> {
  const sampler = sampleRss(() => [treeRss(pid)], 20);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const request = http.get(`${apiUrl}${path}`, { headers: { authorization: `Bearer ${key}` } }, (response) => {
      if (response.statusCode !== 200) reject(new Error(`${path}: ${response.statusCode}`));
      let bytes = 0;
      let rows = 0;
      let cents = 0n;
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      const parser = response.pipe(parse({ columns: true }));
      parser.on('data', (row: { amount: string }) => {
        rows += 1;
        cents += parseUsd(row.amount);
        if (rows === pauseAtRow) {
          parser.pause();
          setTimeout(() => parser.resume(), 3_000);
        }
      });
      parser.on('end', () => {
        const [peakRss = 0] = sampler.stop();
        resolve({ rows, bytes, cents, ms: performance.now() - started, peakRss });
      });
      parser.on('error', reject);
    });
    request.on('error', reject);
  });
}

/** What a buffering export holds: every row in memory, then the whole CSV as one string. */
async function bufferedBaseline(db: ReturnType<typeof makeDb>) {
  global.gc?.();
  const before = { heap: process.memoryUsage().heapUsed, rss: process.memoryUsage().rss };
  const chunks: string[] = [];
  const csv = await exportPayouts({ db }, { from: new Date('2000-01-01Z'), to: new Date('2100-01-01Z') });
  for await (const chunk of csv) chunks.push(String(chunk));
  const whole = chunks.join('');
  const after = { heap: process.memoryUsage().heapUsed, rss: process.memoryUsage().rss };
  return { heap: after.heap - before.heap, rss: after.rss - before.rss, length: whole.length };
}

const { db, key, batchId, rows } = await seed();
const api = await spawnApi({ DATABASE_URL: databaseUrl, LOG_LEVEL: 'info', RATE_LIMIT_PER_MINUTE: '100000' });
const pid = api.child.pid ?? 0;
try {
  // Warm up: load the routes and the pool, then let the API settle.
  await download(api.url, `/api/disbursement/reports/batches/${batchId}/transactions.csv`, key, pid);
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const idle = treeRss(pid);
  const range = 'from=2000-01-01&to=2100-01-01';
  const batch = await download(api.url, `/api/disbursement/reports/batches/${batchId}/transactions.csv`, key, pid);
  const all = await download(api.url, `/api/disbursement/reports/payouts.csv?${range}`, key, pid);
  const slow = await download(
    api.url,
    `/api/disbursement/reports/payouts.csv?${range}`,
    key,
    pid,
    Math.floor(rows / 2),
  );
  const json = await fetch(`${api.url}/api/disbursement/reports/payouts?${range}&groupBy=status`, {
    headers: { authorization: `Bearer ${key}` },
  }).then((r) => r.json() as Promise<{ report: { total: { count: number; amount: string } } }>);
  const buffered = await bufferedBaseline(db);

  const line = (label: string, d: Download) =>
    `${label.padEnd(34)} ${String(d.rows).padStart(7)} rows  ${mb(d.bytes).padStart(6)} MB  ` +
    `${(d.ms / 1000).toFixed(1).padStart(5)} s  API RSS peak ${mb(d.peakRss)} MB (+${mb(d.peakRss - idle)} MB)`;
  process.stdout.write(`\nAPI idle RSS: ${mb(idle)} MB\n`);
  process.stdout.write(`${line('(a) one batch CSV, full speed', batch)}\n`);
  process.stdout.write(`${line('(b) payouts CSV, full speed', all)}\n`);
  process.stdout.write(`${line('(c) payouts CSV, reader stops 3 s', slow)}\n`);
  const growth = (d: Download) => Math.max(d.peakRss - idle, 1);
  process.stdout.write(
    `\nRSS growth (b)/(a): ${(growth(all) / growth(batch)).toFixed(2)}x for ${(all.rows / batch.rows).toFixed(0)}x the rows\n`,
  );
  process.stdout.write(
    `baseline, buffered in one process: heap +${mb(buffered.heap)} MB, RSS +${mb(buffered.rss)} MB for ` +
      `${mb(buffered.length)} MB of CSV; (b)'s RSS growth is ${(growth(all) / Math.max(buffered.heap, 1)).toFixed(3)}x of that heap\n`,
  );
  const total = formatUsd(all.cents);
  process.stdout.write(
    `CSV total ${total} over ${all.rows} rows; JSON total ${json.report.total.amount} over ${json.report.total.count}: ` +
      `${total === json.report.total.amount && all.rows === json.report.total.count ? 'equal' : 'DIFFERENT'}\n`,
  );
  process.stdout.write(`verdict: growth +${mb(all.peakRss - idle)} MB (target < 50 MB)\n`);
} finally {
  await api.stop();
  await db.$disconnect();
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
  await admin.end();
}
