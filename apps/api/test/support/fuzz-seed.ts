import { createBatches, systemActor } from '@payouts/core';
import { deadLetterJobId, enqueue, QueueName } from '@payouts/queue';
import { insertAffiliate, insertPayableAffiliates, type TestContext } from '@payouts/testing';
import type { TestApi } from './api-harness.ts';

/**
 * Rows for the fuzz to find, so that valid requests reach real data and 2xx paths run: payable
 * affiliates (aff_1..aff_6), one without a payout account, one whose KYC is pending, PENDING batches,
 * a FAILED batch with FAILED payments and their dead letters, stored provider events, a job. Returns
 * every id and cursor it knows, for the generators to offer.
 */
export async function seedFuzzData(ctx: TestContext, api: TestApi): Promise<string[]> {
  const { deps } = api;
  await insertPayableAffiliates(ctx.db, 6, 5);
  const withoutAccount = await insertAffiliate(ctx.db, { commissions: ['12.34'], kyc: null });
  const kycPending = await insertAffiliate(ctx.db, { commissions: ['75.00', '0.01'], kyc: 'PENDING' });

  const settings = { provider: 'MOCK' as const, minPayout: deps.env.MIN_PAYOUT_USD, maxBatchSize: 4 };
  const pending = await createBatches(deps, { ...settings, affiliateIds: ['aff_1', 'aff_2'] }, systemActor('fuzz'));
  const failing = await createBatches(deps, { ...settings, affiliateIds: ['aff_3'] }, systemActor('fuzz'));
  const failedBatchId = failing.batches[0]?.id ?? '';
  const transactions = await ctx.db.disbursementTransaction.findMany({ where: { batchId: failedBatchId } });
  // As the worker leaves a batch whose payments failed for good: FAILED, with dead letters.
  await ctx.db.paymentBatch.update({ where: { id: failedBatchId }, data: { status: 'FAILED', failedAt: new Date() } });
  await ctx.db.$executeRaw`UPDATE "DisbursementTransaction"
    SET "status" = 'FAILED', "failedAt" = now(), "errorMessage" = 'payee rejected'
    WHERE "batchId" = ${failedBatchId}`;
  const failedAt = new Date('2026-01-01T00:00:00Z');
  for (const t of transactions) {
    const letter = {
      transactionId: t.id,
      batchId: failedBatchId,
      reference: t.transactionId,
      payeeId: t.payeeRiseId,
      amount: t.amount.toFixed(2),
      error: 'payee rejected',
      attemptsMade: 3,
      failedAt: failedAt.toISOString(),
    };
    await enqueue(deps.queues, QueueName.deadLetter, letter, deadLetterJobId(t.id, failedAt));
  }

  // Stored provider webhooks, one of each status a replay treats differently.
  const eventIds: string[] = [];
  for (const [n, status] of (['FAILED', 'APPLIED', 'WAITING', 'RECEIVED'] as const).entries()) {
    const event = await ctx.db.riseWorksWebhookEvent.create({
      data: {
        providerEventId: `fuzz-event-${n}`,
        eventType: 'payment.sent',
        payload: { event_type: 'payment.sent', idempotency_key: `fuzz-event-${n}` },
        status,
        providerPaymentId: `fuzz-payment-${n}`,
        transactionId: transactions[0]?.id ?? null,
      },
    });
    eventIds.push(event.id, event.providerPaymentId ?? '');
  }

  const job = await api.call('POST', '/batches', 'admin', {});
  const cursors: string[] = [];
  for (const list of [
    '/batches',
    '/affiliates/payable',
    '/riseworks/accounts',
    '/audit-logs',
    '/dead-letters',
    '/provider-events',
  ]) {
    const page = await api.call('GET', `${list}?limit=1`, 'admin');
    if (typeof page.body.nextCursor === 'string') cursors.push(page.body.nextCursor);
  }
  const rows = await ctx.db.disbursementTransaction.findMany({ select: { id: true, commissionId: true } });
  return [
    ...Array.from({ length: 6 }, (_, n) => `aff_${n + 1}`),
    withoutAccount.affiliateId,
    kycPending.affiliateId,
    kycPending.riseId ?? '',
    ...kycPending.commissionIds,
    ...[...pending.batches, ...failing.batches].map((batch) => batch.id),
    ...rows.flatMap((row) => [row.id, row.commissionId]),
    ...eventIds,
    typeof job.body.jobId === 'string' ? job.body.jobId : '',
    ...cursors,
  ].filter((known) => known !== '');
}
