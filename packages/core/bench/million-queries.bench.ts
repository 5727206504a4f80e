// Measures, on a database with a million commissions, what the API runs on it: the payable-affiliates
// page (GET affiliates/payable: the first page and one deep in, by cursor), the preview, and batch
// creation for everyone payable; then prints EXPLAIN (ANALYZE, BUFFERS) of the SQL each sends, flagging
// sequential scans of Commission and DisbursementTransaction. Run by hand:
//   pnpm bench:queries [--database-url URL] [--runs 5] [--create-runs 3] [--max-batch-size 500]
// The database (default: payouts_million on DATABASE_URL's server) is migrated and seeded first when it
// has no commissions (`pnpm payouts seed --affiliates 100000 --commissions-per-affiliate 10`, about a
// minute), and kept for the next run. Nothing here changes it: batch creation runs on copies of it
// (CREATE DATABASE ... TEMPLATE), dropped afterwards, and the plans are taken in rolled-back transactions.
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { makeDb, migrate } from '@payouts/db';
import pg from 'pg';
import { pagePayableAffiliates } from '../src/affiliates/payable-page.ts';
import { createBatches } from '../src/batches/create-batches.ts';
import { encodeCursor } from '../src/paging.ts';
import { listPayableAffiliates } from '../src/payables/payable-affiliates.ts';
import { previewPayouts } from '../src/payables/preview-payouts.ts';
import { type ExplainedStatement, explainStatements, recordStatements, type Statement } from './recorded-statements.ts';

const { values } = parseArgs({
  options: {
    'database-url': { type: 'string' },
    runs: { type: 'string', default: '5' },
    'create-runs': { type: 'string', default: '3' },
    'max-batch-size': { type: 'string', default: '500' },
    'min-payout': { type: 'string', default: '50.00' },
    affiliates: { type: 'string', default: '100000' },
    'commissions-per-affiliate': { type: 'string', default: '10' },
  },
});
const runs = Number.parseInt(values.runs, 10);
const createRuns = Number.parseInt(values['create-runs'], 10);
const maxBatchSize = Number.parseInt(values['max-batch-size'], 10);
const minPayout = values['min-payout'];

const databaseUrl = values['database-url'] ?? urlWithDatabase(process.env.DATABASE_URL, 'payouts_million');
const databaseName = new URL(databaseUrl).pathname.slice(1);
/** Only Commission and DisbursementTransaction are big enough for a sequential scan to matter. */
const bigTables = /"(Commission|DisbursementTransaction)"/;

function urlWithDatabase(server: string | undefined, name: string): string {
  const url = new URL(server ?? 'postgresql://postgres@127.0.0.1:5432/postgres');
  url.pathname = `/${name}`;
  return url.toString();
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await run();
  return { ms: Math.round(performance.now() - started), value };
}

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  // The same session settings as makeDb's pool, so that replayed parameters read the same.
  const client = new pg.Client({ connectionString: url, options: '-c TimeZone=UTC' });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** Migrates the database (creating it if missing) and seeds it when it has no commissions. */
async function ensureSeeded(): Promise<void> {
  await migrate(databaseUrl);
  const count = await withClient(databaseUrl, async (c) => {
    const { rows } = await c.query<{ n: number }>('SELECT count(*)::int AS n FROM "Commission"');
    return rows[0]?.n ?? 0;
  });
  if (count > 0) return;
  const args = ['--affiliates', values.affiliates, '--commissions-per-affiliate', values['commissions-per-affiliate']];
  console.log(`${databaseName} has no commissions: seeding it (kept for the next run)`);
  execFileSync('pnpm', ['--silent', '--filter', '@payouts/cli', 'payouts', 'seed', ...args], {
    stdio: 'inherit',
    env: { ...process.env, DATABASE_URL: databaseUrl, MIN_PAYOUT_USD: minPayout },
  });
}

/** A copy of the database for `use`, dropped afterwards (no one may be connected to the original meanwhile). */
async function withCopy<T>(use: (url: string) => Promise<T>): Promise<T> {
  const copy = `${databaseName}_copy_${process.pid}`;
  const admin = urlWithDatabase(databaseUrl, 'postgres');
  await withClient(admin, (c) =>
    c.query(`CREATE DATABASE ${pg.escapeIdentifier(copy)} TEMPLATE ${pg.escapeIdentifier(databaseName)}`),
  );
  try {
    return await use(urlWithDatabase(databaseUrl, copy));
  } finally {
    await withClient(admin, (c) => c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(copy)} WITH (FORCE)`));
  }
}

interface Measured {
  name: string;
  times: number[];
  note: string;
  statements: Statement[];
}

/** `runs` timed runs of `run`; the statements of the first are recorded. */
async function measure(name: string, count: number, run: () => Promise<string>): Promise<Measured> {
  const first = await recordStatements(() => timed(run));
  const times = [first.value.ms];
  for (let i = 1; i < count; i++) times.push((await timed(run)).ms);
  return { name, times, note: first.value.value, statements: first.statements };
}

async function measureReads(): Promise<Measured[]> {
  const db = makeDb(databaseUrl, { max: 4 });
  try {
    const deps = { db };
    const everyone = await listPayableAffiliates(deps, { minPayout });
    const deep = everyone[Math.floor(everyone.length * 0.9)];
    if (!deep) throw new Error(`${databaseName} has no affiliates with open commissions`);
    const cursor = encodeCursor({ createdAt: deep.oldestCommissionAt, id: deep.affiliateId });
    const page = async (at?: string) => {
      const result = await pagePayableAffiliates(deps, { minPayout, limit: 50, cursor: at });
      return `${result.items.length} of ${result.summary.totalAffiliates} affiliates, ${result.summary.readyForPayout} ready`;
    };
    return [
      await measure('payable page, first (limit 50)', runs, () => page()),
      await measure('payable page, 90% deep (cursor)', runs, () => page(cursor)),
      await measure('preview (everyone)', runs, async () => {
        const preview = await previewPayouts(deps, { minPayout, maxBatchSize });
        const { eligibleAffiliates, commissionCount, batchCount } = preview.summary;
        return `${eligibleAffiliates} payable affiliates, ${commissionCount} commissions, ${batchCount} batches`;
      }),
    ];
  } finally {
    await db.$disconnect();
  }
}

/** Each run on a fresh copy, so that every run creates the same batches. */
async function measureCreation(): Promise<Measured> {
  const times: number[] = [];
  let note = '';
  let statements: Statement[] = [];
  for (let i = 0; i < createRuns; i++) {
    await withCopy(async (url) => {
      const db = makeDb(url, { max: 4 });
      try {
        const input = { minPayout, maxBatchSize, provider: 'MOCK' as const };
        const run = () => timed(() => createBatches({ db }, input, { actor: 'bench' }));
        let result: Awaited<ReturnType<typeof run>>;
        if (i === 0) ({ value: result, statements } = await recordStatements(run));
        else result = await run();
        times.push(result.ms);
        const payments = result.value.batches.reduce((n, b) => n + b.paymentCount, 0);
        note = `${result.value.batches.length} batches, ${payments} transactions`;
      } finally {
        await db.$disconnect();
      }
    });
  }
  return { name: `createBatches (everyone, batches of ${maxBatchSize})`, times, note, statements };
}

function printPlans(title: string, explained: ExplainedStatement[]): string[] {
  const flagged: string[] = [];
  for (const [i, e] of explained.entries()) {
    const head = e.text.replace(/\s+/g, ' ').trim().slice(0, 110);
    console.log(
      `\n--- ${title}, statement ${i + 1}${e.analyzed ? '' : ' (plan only: it failed when run)'}: ${head}...`,
    );
    for (const line of e.plan) console.log(`    ${line}`);
    const big = e.seqScans.filter((t) => bigTables.test(`"${t}"`));
    console.log(`    => indexes: ${e.indexes.join(', ') || 'none'}; seq scans: ${e.seqScans.join(', ') || 'none'}`);
    if (big.length > 0) {
      console.log(`    => FLAG: Seq Scan on ${big.join(', ')}`);
      flagged.push(`${title} #${i + 1}: Seq Scan on ${big.join(', ')}`);
    }
  }
  return flagged;
}

async function main() {
  await ensureSeeded();
  const counts = await withClient(databaseUrl, async (c) => {
    const { rows } = await c.query<{ commissions: number; approved: number; transactions: number }>(
      `SELECT (SELECT count(*) FROM "Commission")::int AS commissions,
              (SELECT count(*) FROM "Commission" WHERE "status" = 'APPROVED')::int AS approved,
              (SELECT count(*) FROM "DisbursementTransaction")::int AS transactions`,
    );
    return rows[0];
  });
  console.log(
    `${databaseName}: ${counts?.commissions} commissions (${counts?.approved} approved), ` +
      `${counts?.transactions} transactions; runs: ${runs}, creation runs: ${createRuns} (each on a fresh copy)\n`,
  );

  const measured = [...(await measureReads()), await measureCreation()];
  for (const m of measured) {
    console.log(
      `${m.name.padEnd(48)} median ${String(median(m.times)).padStart(6)} ms   (runs: ${m.times.join(', ')})`,
    );
    console.log(`${''.padEnd(48)} ${m.note}`);
  }

  const flagged: string[] = [];
  for (const m of measured.slice(0, 3)) {
    const explained = await withClient(databaseUrl, (c) => explainStatements(c, m.statements, bigTables));
    flagged.push(...printPlans(m.name, explained));
  }
  const creation = measured[3];
  if (creation) {
    const explained = await withCopy((url) =>
      withClient(url, (c) => explainStatements(c, creation.statements, bigTables)),
    );
    flagged.push(...printPlans(creation.name, explained));
  }
  console.log(`\nSequential scans of Commission or DisbursementTransaction: ${flagged.length || 'none'}`);
  for (const f of flagged) console.log(`  ${f}`);
}

await main();
