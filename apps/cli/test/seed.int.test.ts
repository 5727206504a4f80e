import { Prisma } from '@payouts/db';
import { findInvariantViolations, makeTestContext } from '@payouts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDatabase } from '../src/commands/seed.command.ts';
import { withConstraintsSetAside } from '../src/seed/bulk-load.ts';
import { decimalToCents } from '../src/seed/money.ts';
import { SEEDED_RISE_USER_NANOID } from '../src/seed/rise-user-nanoid.ts';
import { generateSeedData } from '../src/seed/seed-data.generator.ts';
import { runCliProcess } from './run-cli.ts';

let ctx: Awaited<ReturnType<typeof makeTestContext>>;

beforeAll(async () => {
  ctx = await makeTestContext();
});

afterAll(async () => {
  await ctx?.cleanup();
});

/** Payable affiliates by the design's rule, computed in SQL independently of the generator. */
async function payableInDatabase() {
  const rows = await ctx.db.$queryRaw<{ affiliateProfileId: string; total: Prisma.Decimal }[]>`
    SELECT c."affiliateProfileId", sum(c."commissionAmount") AS "total"
    FROM "Commission" c
    JOIN "AffiliateRiseAccount" a ON a."affiliateProfileId" = c."affiliateProfileId" AND a."kycStatus" = 'APPROVED'
    WHERE c."status" = 'APPROVED'
      AND NOT EXISTS (SELECT 1 FROM "DisbursementTransaction" t
                      WHERE t."commissionId" = c."id" AND t."status" <> 'CANCELLED')
    GROUP BY c."affiliateProfileId"
    HAVING sum(c."commissionAmount") >= 50.00`;
  const total = rows.reduce((sum, r) => sum.plus(r.total), new Prisma.Decimal(0));
  return { count: rows.length, total: total.toFixed(2) };
}

/** Every index and constraint, as the catalog defines them (the seed drops some for a while). */
async function keysAndIndexes(): Promise<string[]> {
  const rows = await ctx.db.$queryRaw<{ definition: string }[]>`
    SELECT pg_get_indexdef(x.indexrelid) AS "definition"
    FROM pg_index x JOIN pg_class t ON t.oid = x.indrelid
    WHERE t.relnamespace = current_schema()::regnamespace
    UNION ALL
    SELECT format('%s %s %s%s', c.conrelid::regclass, c.conname, pg_get_constraintdef(c.oid),
                  CASE WHEN c.convalidated THEN '' ELSE ' (not validated)' END)
    FROM pg_constraint c
    WHERE c.connamespace = current_schema()::regnamespace
    ORDER BY 1`;
  return rows.map((r) => r.definition);
}

async function counts() {
  const db = ctx.db;
  return {
    users: await db.user.count(),
    affiliateProfiles: await db.affiliateProfile.count(),
    affiliateCodes: await db.affiliateCode.count(),
    riseAccounts: await db.affiliateRiseAccount.count(),
    commissions: await db.commission.count(),
    paymentBatches: await db.paymentBatch.count(),
    transactions: await db.disbursementTransaction.count(),
    mockProviderPayments: await db.mockProviderPayment.count(),
    auditLogs: await db.disbursementAuditLog.count(),
  };
}

describe('payouts seed', () => {
  it('seeds a fresh database through the CLI, then refuses a second run without --reset', async () => {
    const env = { DATABASE_URL: ctx.databaseUrl, MIN_PAYOUT_USD: '50.00' };
    const first = await runCliProcess(['seed'], env);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const expected = generateSeedData({ affiliates: 24, commissionsPerAffiliate: 4, seed: 42 });
    expect(first.stdout.trimEnd().split('\n')).toHaveLength(1);
    expect(first.stdout).toContain(`payable: ${expected.payableAffiliates} affiliates, ${expected.payableTotal} USD`);

    expect(await counts()).toEqual({
      users: 24,
      affiliateProfiles: 24,
      affiliateCodes: expected.affiliateCodes.length,
      riseAccounts: expected.riseAccounts.length,
      commissions: 96,
      paymentBatches: expected.paymentBatches.length,
      transactions: expected.transactions.length,
      mockProviderPayments: expected.mockProviderPayments.length,
      auditLogs: expected.auditLogs.length,
    });
    const payable = await payableInDatabase();
    expect(payable.count).toBeGreaterThan(0);
    expect(payable).toEqual({ count: expected.payableAffiliates, total: expected.payableTotal });

    const second = await runCliProcess(['seed'], env);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('already has 24 affiliates');
    expect(second.stderr).toContain('--reset');
    expect((await counts()).commissions).toBe(96);
  });

  it('--reset replaces all business data but keeps API keys', async () => {
    await ctx.db.apiKey.create({
      data: { name: 'kept', role: 'admin', keyHash: 'h'.repeat(64), keyPrefix: 'pyk_kept' },
    });
    const result = await runCliProcess(
      ['seed', '--reset', '--affiliates', '10', '--commissions-per-affiliate', '3', '--seed', '7'],
      {
        DATABASE_URL: ctx.databaseUrl,
      },
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const expected = generateSeedData({ affiliates: 10, commissionsPerAffiliate: 3, seed: 7 });
    expect(await counts()).toMatchObject({
      affiliateProfiles: 10,
      commissions: 30,
      transactions: expected.transactions.length,
    });
    expect(await ctx.db.affiliateProfile.count({ where: { id: { startsWith: 'aff_42_' } } })).toBe(0);
    expect(await ctx.db.apiKey.count({ where: { name: 'kept' } })).toBe(1);
    expect(await payableInDatabase()).toEqual({ count: expected.payableAffiliates, total: expected.payableTotal });
  });

  it('writes exactly the generated rows: same seed, same data', async () => {
    const options = { affiliates: 12, commissionsPerAffiliate: 5, seed: 99, minimumPayout: '50.00' };
    const summary = await seedDatabase(ctx.db, { ...options, reset: true });
    const data = generateSeedData(options);
    expect(summary).toMatchObject({
      affiliates: 12,
      payoutAccounts: data.riseAccounts.length,
      payments: data.transactions.length,
      batches: data.paymentBatches.length,
      payableAffiliates: data.payableAffiliates,
      payableCents: decimalToCents(data.payableTotal),
    });
    const stored = await ctx.db.commission.findMany({ orderBy: { id: 'asc' } });
    const generated = [...data.commissions].sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(stored.map((c) => [c.id, c.status, c.commissionAmount.toFixed(2), c.paidAt?.toISOString() ?? null])).toEqual(
      generated.map((c) => [c.id, c.status, c.commissionAmount, c.paidAt?.toISOString() ?? null]),
    );
    // Payout accounts carry the generated Rise user nanoids, so the Rise sandbox can know the same payees.
    const accounts = await ctx.db.affiliateRiseAccount.findMany({ orderBy: { id: 'asc' } });
    expect(accounts.map((a) => [a.id, a.riseId, a.kycStatus])).toEqual(
      [...data.riseAccounts].sort((a, b) => (a.id < b.id ? -1 : 1)).map((a) => [a.id, a.riseId, a.kycStatus]),
    );
    for (const a of accounts) expect(a.riseId).toMatch(SEEDED_RISE_USER_NANOID);
    const profiles = await ctx.db.affiliateProfile.findMany({ orderBy: { id: 'asc' } });
    const sums = await ctx.db.commission.groupBy({
      by: ['affiliateProfileId', 'status'],
      _sum: { commissionAmount: true },
    });
    const sumOf = (id: string, statuses: string[]) =>
      sums
        .filter((s) => s.affiliateProfileId === id && statuses.includes(s.status))
        .reduce((t, s) => t.plus(s._sum.commissionAmount ?? 0), new Prisma.Decimal(0));
    for (const p of profiles) {
      expect(p.paidCommissions.toFixed(2)).toBe(sumOf(p.id, ['PAID']).toFixed(2));
      expect(p.pendingCommissions.toFixed(2)).toBe(sumOf(p.id, ['PENDING', 'APPROVED']).toFixed(2));
    }
  });

  it('seeds 1,000 affiliates x 10 commissions in a few seconds', async () => {
    const started = performance.now();
    const summary = await seedDatabase(ctx.db, {
      affiliates: 1_000,
      commissionsPerAffiliate: 10,
      seed: 1,
      reset: true,
      minimumPayout: '50.00',
    });
    const elapsed = performance.now() - started;
    expect(await ctx.db.commission.count()).toBe(10_000);
    expect(await ctx.db.disbursementTransaction.count()).toBe(summary.payments);
    expect(elapsed).toBeLessThan(15_000);
    // The seeded payment history is consistent: PAID <=> one COMPLETED transaction, ledger = paid, audited.
    expect(await findInvariantViolations(ctx.db)).toEqual([]);
  });

  it('puts back every foreign key and index it set aside while loading', async () => {
    const before = await keysAndIndexes();
    expect(before.join('\n')).toContain('Commission_affiliateProfileId_fkey FOREIGN KEY');
    expect(before.join('\n')).toContain('CREATE UNIQUE INDEX "User_email_key"');
    await seedDatabase(ctx.db, {
      affiliates: 50,
      commissionsPerAffiliate: 3,
      seed: 5,
      reset: true,
      minimumPayout: '50.00',
    });
    expect(await keysAndIndexes()).toEqual(before);
  });

  it('still refuses rows that break a foreign key or a unique index, and keeps both', async () => {
    const before = await keysAndIndexes();
    const load = (statement: Prisma.Sql) =>
      ctx.db.$transaction((tx) => withConstraintsSetAside(tx, ['User', 'Commission'], () => tx.$executeRaw(statement)));
    await expect(
      load(Prisma.sql`
        INSERT INTO "Commission" ("id", "affiliateProfileId", "affiliateCodeId", "userId", "grossRevenue",
                                  "discountAmount", "netRevenue", "commissionAmount")
        VALUES ('com_orphan', 'aff_nobody', 'code_nobody', 'cus_orphan', 10, 0, 10, 5)`),
    ).rejects.toThrow(/foreign key/);
    await expect(
      load(
        Prisma.sql`INSERT INTO "User" ("id", "email") VALUES ('usr_twin_1', 'twin@x.example'), ('usr_twin_2', 'twin@x.example')`,
      ),
    ).rejects.toThrow(/unique/);
    expect(await ctx.db.commission.count({ where: { id: 'com_orphan' } })).toBe(0);
    expect(await ctx.db.user.count({ where: { email: 'twin@x.example' } })).toBe(0);
    expect(await keysAndIndexes()).toEqual(before);
  });
});
