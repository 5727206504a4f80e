import { findInvariantViolations, insertAffiliate, makeTestContext, type TestContext } from '@payouts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueBatchExecution, startBatchExecution } from '../src/batches/batch-execution.ts';
import { createBatches } from '../src/batches/create-batches.ts';
import { claimTransaction, recordPaymentCompleted } from '../src/payments/transaction-transitions.ts';

const who = { actor: 'test:payer' };

describe('recording a payment: one statement, all or nothing', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await makeTestContext();
  });
  afterAll(async () => ctx?.cleanup());

  async function claimed(amount: string) {
    const affiliate = await insertAffiliate(ctx.db, { commissions: [amount] });
    const { batches } = await createBatches(
      ctx,
      { provider: 'MOCK', minPayout: '50.00', maxBatchSize: 10, affiliateIds: [affiliate.affiliateId] },
      who,
    );
    const batchId = batches[0]?.id ?? '';
    await queueBatchExecution(ctx, batchId, who);
    const started = await startBatchExecution(ctx, batchId);
    if (!started.started) throw new Error('not started');
    const claim = await claimTransaction(ctx, started.transactionIds[0] ?? '', batchId, 60_000, who);
    if (!claim.claimed) throw new Error('not claimed');
    return { affiliate, claim: claim.transaction };
  }

  it('records the transaction, the commission, the totals and both audit rows, with exact amounts', async () => {
    const { affiliate, claim } = await claimed('1234567.89');
    expect(claim.amount.toFixed(2)).toBe('1234567.89');
    expect(await recordPaymentCompleted(ctx, claim, 'ptx-1', who)).toBe(true);
    const profile = await ctx.db.affiliateProfile.findUniqueOrThrow({ where: { id: affiliate.affiliateId } });
    expect([profile.paidCommissions.toFixed(2), profile.pendingCommissions.toFixed(2)]).toEqual(['1234567.89', '0.00']);
    const audits = await ctx.db.disbursementAuditLog.findMany({
      where: { transactionId: claim.id, action: { in: ['payment.completed', 'commission.paid'] } },
    });
    expect(audits.map((a) => [a.action, a.fromStatus, a.toStatus, a.actor]).sort()).toEqual([
      ['commission.paid', 'APPROVED', 'PAID', 'test:payer'],
      ['payment.completed', 'PROCESSING', 'COMPLETED', 'test:payer'],
    ]);
    // The claim time read back is the stored one to the millisecond: it fences the next write.
    const row = await ctx.db.disbursementTransaction.findUniqueOrThrow({ where: { id: claim.id } });
    expect(row.status).toBe('COMPLETED');
    expect(row.claimedAt?.toISOString()).toBe(claim.claimedAt.toISOString());
  });

  it('writes nothing when the claim was taken over meanwhile', async () => {
    const { claim } = await claimed('60.00');
    const stale = { ...claim, claimedAt: new Date(claim.claimedAt.getTime() - 1) };
    expect(await recordPaymentCompleted(ctx, stale, 'ptx-2', who)).toBe(false);
    expect((await ctx.db.disbursementTransaction.findUniqueOrThrow({ where: { id: claim.id } })).status).toBe(
      'PROCESSING',
    );
  });

  it('undoes every write when the commission is no longer APPROVED', async () => {
    const { affiliate, claim } = await claimed('70.00');
    await ctx.db.commission.update({ where: { id: claim.commissionId }, data: { status: 'CANCELLED' } });
    await expect(recordPaymentCompleted(ctx, claim, 'ptx-3', who)).rejects.toThrow(/was not APPROVED/);
    const row = await ctx.db.disbursementTransaction.findUniqueOrThrow({ where: { id: claim.id } });
    expect([row.status, row.providerTxId]).toEqual(['PROCESSING', null]);
    const profile = await ctx.db.affiliateProfile.findUniqueOrThrow({ where: { id: affiliate.affiliateId } });
    expect(profile.paidCommissions.toFixed(2)).toBe('0.00');
    expect(
      await ctx.db.disbursementAuditLog.count({
        where: { transactionId: claim.id, action: { in: ['payment.completed', 'commission.paid'] } },
      }),
    ).toBe(0);
    // Leave the books as the invariants expect: the commission back, the claim released by hand.
    await ctx.db.commission.update({ where: { id: claim.commissionId }, data: { status: 'APPROVED' } });
    expect(await recordPaymentCompleted(ctx, claim, 'ptx-3', who)).toBe(true);
    // No provider was called here: the ledger side of I2 is what was recorded as paid.
    expect(await findInvariantViolations(ctx.db, { providerLedgerTotal: '1234637.89' })).toEqual([]);
  });

  it('recording concurrent payments together: one whose commission is no longer APPROVED fails alone', async () => {
    const good = await claimed('80.00');
    const bad = await claimed('90.00');
    await ctx.db.commission.update({ where: { id: bad.claim.commissionId }, data: { status: 'CANCELLED' } });
    const [goodResult, badResult] = await Promise.allSettled([
      recordPaymentCompleted(ctx, good.claim, 'ptx-good', who),
      recordPaymentCompleted(ctx, bad.claim, 'ptx-bad', who),
    ]);
    expect(goodResult).toEqual({ status: 'fulfilled', value: true });
    expect(badResult.status).toBe('rejected');
    const rows = await ctx.db.disbursementTransaction.findMany({
      where: { id: { in: [good.claim.id, bad.claim.id] } },
      orderBy: { amount: 'asc' },
    });
    expect(rows.map((r) => [r.amount.toFixed(2), r.status])).toEqual([
      ['80.00', 'COMPLETED'],
      ['90.00', 'PROCESSING'],
    ]);
    await ctx.db.commission.update({ where: { id: bad.claim.commissionId }, data: { status: 'APPROVED' } });
    expect(await recordPaymentCompleted(ctx, bad.claim, 'ptx-bad', who)).toBe(true);
  });
});
