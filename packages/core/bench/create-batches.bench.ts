// Measures batch creation for N approved commissions over M affiliates against the seed's literal
// approach (a query per commission and an insert per transaction), both in this run, on a fresh
// database. Run by hand: `pnpm bench:create-batches [--affiliates 1000] [--per-affiliate 10] [--runs 3]`.
import { parseArgs } from 'node:util';
import { type Db, makeDb, migrate, Prisma } from '@payouts/db';
import { insertPayableAffiliates } from '@payouts/testing';
import pg from 'pg';
import { createBatches } from '../src/batches/create-batches.ts';
import { previewPayouts } from '../src/payables/preview-payouts.ts';

const { values } = parseArgs({
  options: {
    affiliates: { type: 'string', default: '1000' },
    'per-affiliate': { type: 'string', default: '10' },
    runs: { type: 'string', default: '3' },
    'max-batch-size': { type: 'string', default: '500' },
  },
});
const affiliates = Number.parseInt(values.affiliates, 10);
const perAffiliate = Number.parseInt(values['per-affiliate'], 10);
const runs = Number.parseInt(values.runs, 10);
const maxBatchSize = Number.parseInt(values['max-batch-size'], 10);
const commissions = affiliates * perAffiliate;

const server = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const name = `payouts_bench_${process.pid}`;
const url = new URL(server);
url.pathname = `/${name}`;

async function resetBatches(db: Db) {
  await db.$executeRaw`TRUNCATE "DisbursementAuditLog", "RiseWorksWebhookEvent", "DisbursementTransaction", "PaymentBatch"`;
}

/** The seed's createBatch: per commission, read it with its affiliate, then insert its transaction. */
async function literalCreate(db: Db, ids: string[]) {
  const batch = await db.paymentBatch.create({
    data: { batchNumber: `LIT-${Date.now()}`, provider: 'MOCK', status: 'PENDING' },
  });
  let total = new Prisma.Decimal(0);
  for (const [i, id] of ids.entries()) {
    const commission = await db.commission.findUniqueOrThrow({
      where: { id },
      include: { affiliateProfile: { include: { riseAccount: true } } },
    });
    await db.disbursementTransaction.create({
      data: {
        batchId: batch.id,
        commissionId: id,
        liveCommissionId: id,
        affiliateProfileId: commission.affiliateProfileId,
        transactionId: `${batch.batchNumber}-${i}`,
        idempotencyKey: `lit_${batch.id}_${i}`,
        provider: 'MOCK',
        affiliateRiseAccountId: commission.affiliateProfile.riseAccount?.id,
        payeeRiseId: commission.affiliateProfile.riseAccount?.riseId,
        amount: commission.commissionAmount,
      },
    });
    total = total.plus(commission.commissionAmount);
  }
  await db.paymentBatch.update({ where: { id: batch.id }, data: { paymentCount: ids.length, totalAmount: total } });
}

async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = process.hrtime.bigint();
  const value = await run();
  return { ms: Number((process.hrtime.bigint() - started) / 1_000_000n), value };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function main() {
  await migrate(url.toString());
  const db = makeDb(url.toString());
  try {
    await insertPayableAffiliates(db, affiliates, perAffiliate);
    const rules = { minPayout: '50.00', maxBatchSize, provider: 'MOCK' as const };
    const who = { actor: 'bench' };
    const expectedTotal = await db.commission.aggregate({ _sum: { commissionAmount: true } });

    const previewMs: number[] = [];
    const createMs: number[] = [];
    for (let run = 0; run < runs; run++) {
      await resetBatches(db);
      previewMs.push((await timed(() => previewPayouts({ db }, rules))).ms);
      const { ms, value } = await timed(() => createBatches({ db }, rules, who));
      const written = value.batches.reduce((n, b) => n + b.paymentCount, 0);
      const total = value.batches.reduce((sum, b) => sum.plus(b.totalAmount), new Prisma.Decimal(0));
      if (written !== commissions || !total.equals(expectedTotal._sum.commissionAmount ?? 0)) {
        throw new Error(`run ${run}: wrote ${written} transactions totalling ${total.toFixed(2)}; does not count`);
      }
      createMs.push(ms);
    }

    await resetBatches(db);
    const ids = (await db.commission.findMany({ select: { id: true }, orderBy: { id: 'asc' } })).map((c) => c.id);
    const literal = await timed(() => literalCreate(db, ids));

    const create = median(createMs);
    console.log(
      `batch creation: ${commissions} approved commissions over ${affiliates} affiliates, batches of ${maxBatchSize}`,
    );
    console.log(`  preview                 median ${median(previewMs)} ms   (runs: ${previewMs.join(', ')})`);
    console.log(`  createBatches           median ${create} ms   (runs: ${createMs.join(', ')})`);
    console.log(`  seed's literal approach        ${literal.ms} ms   (one run)`);
    console.log(`  ratio literal / createBatches  ${(literal.ms / Math.max(create, 1)).toFixed(1)}x`);
    console.log(`  target: createBatches under 2000 ms -> ${create < 2000 ? 'met' : 'NOT met'}`);
  } finally {
    await db.$disconnect();
    const admin = new pg.Client({ connectionString: server });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
    await admin.end();
  }
}

await main();
