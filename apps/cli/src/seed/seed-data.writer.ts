import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Db, Prisma } from '@payouts/db';
import { withConstraintsSetAside } from './bulk-load.ts';
import type { SeedRows } from './seed-data.types.ts';

type Tx = Prisma.TransactionClient;

export class SeedRefusedError extends Error {
  override name = 'SeedRefusedError';
}

/**
 * Rows per INSERT statement. Larger statements are no faster, and cost memory: Prisma keeps the
 * parameters of its last 100 queries (for its debug log), about 0.4 MB for 1,000 rows.
 */
const ROWS_PER_STATEMENT = 1_000;

/** The table each kind of row goes into (rows are named like the Prisma fields: no @map). */
const TABLE_OF: { readonly [K in keyof SeedRows]-?: string } = {
  users: 'User',
  affiliateProfiles: 'AffiliateProfile',
  affiliateCodes: 'AffiliateCode',
  riseAccounts: 'AffiliateRiseAccount',
  commissions: 'Commission',
  paymentBatches: 'PaymentBatch',
  transactions: 'DisbursementTransaction',
  mockProviderPayments: 'MockProviderPayment',
  auditLogs: 'DisbursementAuditLog',
};
const SEEDED_TABLES = Object.values(TABLE_OF);

interface Insert {
  sql: string;
  rows: string;
}

/**
 * The INSERTs that write the chunks, at most ROWS_PER_STATEMENT rows each: INSERT ... SELECT FROM
 * json_populate_recordset(one JSON array of rows), typed by the table's own row type (so a Date, sent as
 * its ISO instant, is stored as the UTC wall time, as Prisma stores it; columns left out get their
 * defaults). One statement and one parameter for a thousand rows, where Prisma's createMany took about
 * 0.3 ms a row. Generated lazily, a chunk at a time.
 */
function* insertsOf(chunks: Iterable<SeedRows>): Generator<Insert> {
  for (const chunk of chunks) {
    for (const kind of Object.keys(TABLE_OF) as Array<keyof SeedRows>) {
      const rows: readonly object[] = chunk[kind];
      const [first] = rows;
      if (!first) continue;
      const table = `"${TABLE_OF[kind]}"`;
      const columns = Object.keys(first)
        .map((c) => `"${c}"`)
        .join(', ');
      const sql = `INSERT INTO ${table} (${columns}) SELECT ${columns} FROM json_populate_recordset(NULL::${table}, $1::json)`;
      for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
        yield { sql, rows: JSON.stringify(rows.slice(start, start + ROWS_PER_STATEMENT)) };
      }
    }
  }
}

/**
 * Runs the INSERTs one after another, in order, making each (generating its rows, serializing them)
 * while Postgres runs the one before: on two cores, Node and Postgres then work at once.
 */
async function runOverlapped(tx: Tx, inserts: Iterable<Insert>): Promise<void> {
  let running: Promise<unknown> = Promise.resolve();
  for (const insert of inserts) {
    await running;
    const sent = tx.$executeRawUnsafe(insert.sql, insert.rows);
    sent.catch(() => {}); // its failure is thrown by the `await running` that follows
    running = sent;
    await nextTurn(); // lets the statement reach Postgres before the next one is made
  }
  await running;
}

/** Deletes all business data: what the seed writes, and provider events. API keys stay. */
export async function deleteBusinessData(tx: Tx): Promise<void> {
  // TRUNCATE rather than DELETE: no trigger call per row. Without CASCADE, it fails rather than empty a
  // table that is not listed but refers to one of these.
  const tables = [...SEEDED_TABLES, 'RiseWorksWebhookEvent'];
  await tx.$executeRawUnsafe(`TRUNCATE ${tables.map((t) => `"${t}"`).join(', ')}`);
}

/**
 * Writes the seed in one DB transaction: with `reset`, all business data is deleted first; without it,
 * a database that already has affiliates is left alone (SeedRefusedError). The chunks are taken one at a
 * time as they are written, so a lazily generated seed is never all in memory.
 */
export async function writeSeedData(db: Db, chunks: Iterable<SeedRows>, options: { reset: boolean }): Promise<void> {
  await db.$transaction(
    async (tx) => {
      // Fail rather than queue behind (and hold up) a running API or worker for long.
      await tx.$executeRaw`SET LOCAL lock_timeout = '30s'`;
      // Index builds sort in memory up to this, per index (the server's default is 64MB).
      await tx.$executeRaw`SET LOCAL maintenance_work_mem = '256MB'`;
      if (options.reset) {
        await deleteBusinessData(tx);
      } else {
        const existing = await tx.affiliateProfile.count();
        if (existing > 0) {
          throw new SeedRefusedError(
            `the database already has ${existing} affiliates; run "payouts seed --reset" to replace all business data`,
          );
        }
      }
      await withConstraintsSetAside(tx, SEEDED_TABLES, () => runOverlapped(tx, insertsOf(chunks)));
    },
    // A million commissions take about a minute; the seed allows up to a billion.
    { timeout: 3_600_000, maxWait: 10_000 },
  );
  // Statistics for the planner now, not at autovacuum's next look: until then it guesses, and with a
  // million rows a guess can be a bad plan.
  await db.$executeRawUnsafe(`ANALYZE ${SEEDED_TABLES.map((t) => `"${t}"`).join(', ')}`);
}
