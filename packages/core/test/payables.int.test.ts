import { Prisma } from '@payouts/db';
import { findInvariantViolations, insertAffiliate, makeTestContext, type TestContext } from '@payouts/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cancelBatch } from '../src/batches/cancel-batch.ts';
import { createBatches } from '../src/batches/create-batches.ts';
import { ConflictError, DomainError, NotFoundError } from '../src/errors.ts';
import { createAffiliatePayout } from '../src/payables/affiliate-payout.ts';
import { listPayableAffiliates } from '../src/payables/payable-affiliates.ts';
import { previewPayouts } from '../src/payables/preview-payouts.ts';

const who = { actor: 'test:admin', ipAddress: '127.0.0.1', userAgent: 'vitest' };
const rules = { minPayout: '50.00', maxBatchSize: 500, provider: 'MOCK' as const };

let ctx: TestContext;
beforeAll(async () => {
  ctx = await makeTestContext();
});
afterAll(async () => ctx?.cleanup());

async function resetData() {
  await ctx.db.$transaction([
    ctx.db.disbursementAuditLog.deleteMany(),
    ctx.db.disbursementTransaction.deleteMany(),
    ctx.db.paymentBatch.deleteMany(),
    ctx.db.commission.deleteMany(),
    ctx.db.affiliateCode.deleteMany(),
    ctx.db.affiliateRiseAccount.deleteMany(),
    ctx.db.affiliateProfile.deleteMany(),
    ctx.db.user.deleteMany(),
  ]);
}

async function rowCounts() {
  const [batches, transactions, audits] = await Promise.all([
    ctx.db.paymentBatch.count(),
    ctx.db.disbursementTransaction.count(),
    ctx.db.disbursementAuditLog.count(),
  ]);
  return { batches, transactions, audits };
}

beforeEach(resetData);
afterEach(async () => {
  expect(await findInvariantViolations(ctx.db)).toEqual([]);
});

describe('payable affiliates', () => {
  it('reports every affiliate with open commissions, with exact totals and the reason it is not payable', async () => {
    const payable = await insertAffiliate(ctx.db, { commissions: ['25.00', '25.00'] });
    const below = await insertAffiliate(ctx.db, { commissions: ['49.99'] });
    const noAccount = await insertAffiliate(ctx.db, { commissions: ['80.00'], kyc: null });
    const kycRejected = await insertAffiliate(ctx.db, { commissions: ['80.00'], kyc: 'REJECTED' });
    await insertAffiliate(ctx.db, { commissions: ['500.00'], commissionStatus: 'PENDING' });
    await insertAffiliate(ctx.db, { commissions: ['500.00'], commissionStatus: 'PAID' });

    const report = await listPayableAffiliates(ctx, { minPayout: '50.00' });
    const byId = new Map(report.map((r) => [r.affiliateId, r]));
    expect(report).toHaveLength(4);
    expect(byId.get(payable.affiliateId)).toMatchObject({
      commissionCount: 2,
      pendingAmount: '50.00',
      eligible: true,
      reason: null,
      payoutAccount: { riseId: payable.riseId, kycStatus: 'APPROVED' },
    });
    expect(byId.get(below.affiliateId)).toMatchObject({
      pendingAmount: '49.99',
      eligible: false,
      reason: 'BELOW_MINIMUM',
    });
    expect(byId.get(noAccount.affiliateId)).toMatchObject({ reason: 'NO_PAYOUT_ACCOUNT', payoutAccount: null });
    expect(byId.get(kycRejected.affiliateId)).toMatchObject({ reason: 'KYC_NOT_APPROVED' });
  });

  it('leaves out commissions already in a live transaction, and counts them again once their batch is cancelled', async () => {
    const affiliate = await insertAffiliate(ctx.db, { commissions: ['60.00'] });
    const created = await createBatches(ctx, rules, who);
    expect(created.status).toBe('CREATED');
    expect(await listPayableAffiliates(ctx, { minPayout: '50.00' })).toEqual([]);

    await cancelBatch(ctx, created.batches[0]?.id ?? '', who);
    const [again] = await listPayableAffiliates(ctx, { minPayout: '50.00' });
    expect(again).toMatchObject({ affiliateId: affiliate.affiliateId, pendingAmount: '60.00', eligible: true });
  });
});

describe('preview and plan hash', () => {
  it('writes nothing, and summarises exactly what creation then writes', async () => {
    await insertAffiliate(ctx.db, { commissions: ['10.10', '40.00'] });
    await insertAffiliate(ctx.db, { commissions: ['99.99'] });
    await insertAffiliate(ctx.db, { commissions: ['5.00'] });
    const before = await rowCounts();
    const preview = await previewPayouts(ctx, rules);
    expect(await rowCounts()).toEqual(before);
    expect(preview.summary).toEqual({
      totalAffiliates: 3,
      eligibleAffiliates: 2,
      commissionCount: 3,
      totalAmount: '150.09',
      batchCount: 1,
    });

    const created = await createBatches(ctx, { ...rules, planHash: preview.planHash }, who);
    expect(created).toMatchObject({ status: 'CREATED', planHash: preview.planHash });
    expect(created.batches).toMatchObject([{ paymentCount: 3, totalAmount: '150.09' }]);
  });

  it('refuses creation with PLAN_CHANGED, writing nothing, when what would be paid changed after the preview', async () => {
    const affiliate = await insertAffiliate(ctx.db, { commissions: ['70.00'] });
    const preview = await previewPayouts(ctx, rules);
    await ctx.db.commission.update({
      where: { id: affiliate.commissionIds[0] },
      data: { commissionAmount: '70.01' },
    });
    const before = await rowCounts();

    const attempt = createBatches(ctx, { ...rules, planHash: preview.planHash }, who);
    await expect(attempt).rejects.toBeInstanceOf(ConflictError);
    await expect(attempt).rejects.toMatchObject({ details: { reason: 'PLAN_CHANGED' } });
    expect(await rowCounts()).toEqual(before);

    const fresh = await previewPayouts(ctx, rules);
    expect(fresh.planHash).not.toBe(preview.planHash);
    expect((await createBatches(ctx, { ...rules, planHash: fresh.planHash }, who)).status).toBe('CREATED');
  });
});

describe('batch creation', () => {
  it('splits runs larger than MAX_BATCH_SIZE, with exact totals and unique numbers', async () => {
    await insertAffiliate(ctx.db, { commissions: ['20.00', '20.00', '20.00', '0.01'] });
    await insertAffiliate(ctx.db, { commissions: ['33.33', '33.33', '33.34'] });
    const created = await createBatches(ctx, { ...rules, maxBatchSize: 3 }, who);
    if (created.status !== 'CREATED') throw new Error('expected batches');

    expect(created.batches.map((b) => b.paymentCount)).toEqual([3, 3, 1]);
    expect(new Set(created.batches.map((b) => b.batchNumber)).size).toBe(3);
    for (const batch of created.batches) {
      const rows = await ctx.db.disbursementTransaction.findMany({ where: { batchId: batch.id } });
      expect(rows).toHaveLength(batch.paymentCount);
      const sum = rows.reduce((total, row) => total.plus(row.amount), new Prisma.Decimal(0));
      expect(sum.toFixed(2)).toBe(batch.totalAmount);
    }
    const all = await ctx.db.paymentBatch.aggregate({ _sum: { totalAmount: true } });
    expect(all._sum.totalAmount?.toFixed(2)).toBe('160.01');
    const audits = await ctx.db.disbursementAuditLog.findMany({ where: { action: 'batch.created' } });
    expect(audits.map((a) => a.actor)).toEqual([who.actor, who.actor, who.actor]);
  });

  it('answers NO_PAYABLE_AFFILIATES and writes nothing when nobody is payable', async () => {
    await insertAffiliate(ctx.db, { commissions: ['49.99'] });
    const before = await rowCounts();
    expect(await createBatches(ctx, rules, who)).toMatchObject({ status: 'NO_PAYABLE_AFFILIATES', batches: [] });
    expect(await rowCounts()).toEqual(before);
  });

  it('never puts one commission in two live transactions when creations race', async () => {
    for (let i = 0; i < 20; i++) await insertAffiliate(ctx.db, { commissions: ['30.00', '30.00'] });
    // Separate clients, so the creations really run at the same time on different connections.
    const others = [1, 2, 3].map(() => ctx.makeDb());
    try {
      const results = await Promise.all([ctx.db, ...others].map((db) => createBatches({ db }, rules, who)));
      const written = results.flatMap((r) => r.batches).reduce((n, b) => n + b.paymentCount, 0);
      expect(written).toBe(40);
      expect(await ctx.db.disbursementTransaction.count({ where: { status: { not: 'CANCELLED' } } })).toBe(40);
    } finally {
      await Promise.all(others.map((db) => db.$disconnect()));
    }
  });
});

describe('cancel', () => {
  it('cancels a PENDING batch with its transactions, releasing the commissions, with audit rows', async () => {
    await insertAffiliate(ctx.db, { commissions: ['30.00', '30.00'] });
    const created = await createBatches(ctx, rules, who);
    const batchId = created.batches[0]?.id ?? '';
    expect(await cancelBatch(ctx, batchId, who)).toEqual({ batchId, cancelledTransactions: 2 });

    const batch = await ctx.db.paymentBatch.findUniqueOrThrow({ where: { id: batchId } });
    expect(batch.status).toBe('CANCELLED');
    const transactions = await ctx.db.disbursementTransaction.findMany({ where: { batchId } });
    expect(transactions.map((t) => [t.status, t.liveCommissionId])).toEqual([
      ['CANCELLED', null],
      ['CANCELLED', null],
    ]);
    expect(await ctx.db.disbursementAuditLog.count({ where: { action: 'transaction.cancelled', batchId } })).toBe(2);
    expect(await ctx.db.disbursementAuditLog.count({ where: { action: 'batch.cancelled', batchId } })).toBe(1);

    const next = await createBatches(ctx, rules, who);
    expect(next.batches).toMatchObject([{ paymentCount: 2, totalAmount: '60.00' }]);
  });

  it('refuses PROCESSING and COMPLETED batches with CONFLICT and unknown ids with NOT_FOUND', async () => {
    await insertAffiliate(ctx.db, { commissions: ['60.00'] });
    const created = await createBatches(ctx, rules, who);
    const batchId = created.batches[0]?.id ?? '';
    await ctx.db.paymentBatch.update({ where: { id: batchId }, data: { status: 'PROCESSING' } });
    await ctx.db.disbursementAuditLog.create({
      data: { action: 'test.forced', status: 'INFO', batchId, toStatus: 'PROCESSING', actor: 'test' },
    });
    const before = await rowCounts();
    await expect(cancelBatch(ctx, batchId, who)).rejects.toBeInstanceOf(ConflictError);
    await expect(cancelBatch(ctx, 'no-such-batch', who)).rejects.toBeInstanceOf(NotFoundError);
    expect(await rowCounts()).toEqual(before);
  });
});

describe('single-affiliate payout', () => {
  it('creates a batch for that affiliate only, and explains why when it cannot', async () => {
    const wanted = await insertAffiliate(ctx.db, { commissions: ['75.00'] });
    await insertAffiliate(ctx.db, { commissions: ['75.00'] });
    const below = await insertAffiliate(ctx.db, { commissions: ['10.00'] });

    const result = await createAffiliatePayout(ctx, wanted.affiliateId, rules, who);
    expect(result.batches).toMatchObject([{ paymentCount: 1, totalAmount: '75.00' }]);
    const paidFor = await ctx.db.disbursementTransaction.findMany({ select: { affiliateProfileId: true } });
    expect(paidFor).toEqual([{ affiliateProfileId: wanted.affiliateId }]);

    await expect(createAffiliatePayout(ctx, below.affiliateId, rules, who)).rejects.toMatchObject({
      code: 'NO_PAYABLE_AFFILIATES',
      details: { reason: 'BELOW_MINIMUM' },
    });
    await expect(createAffiliatePayout(ctx, wanted.affiliateId, rules, who)).rejects.toBeInstanceOf(DomainError);
    await expect(createAffiliatePayout(ctx, 'nobody', rules, who)).rejects.toBeInstanceOf(NotFoundError);
  });
});
