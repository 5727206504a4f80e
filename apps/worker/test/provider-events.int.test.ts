import { randomUUID } from 'node:crypto';
import {
  claimTransaction,
  createBatches,
  finalizeBatch,
  queueBatchExecution,
  recordPaymentCompleted,
  startBatchExecution,
} from '@payouts/core';
import { receiveProviderWebhook } from '@payouts/operations';
import { removeMockPayment, signRiseWebhook } from '@payouts/providers';
import { enqueue, providerEventJobId, QueueName } from '@payouts/queue';
import {
  findInvariantViolations,
  insertAffiliate,
  makeTestContext,
  resetBusinessData,
  type TestContext,
} from '@payouts/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureWorkerSchedulers } from '../src/processors/maintenance.processor.ts';
import type { RunningWorkers } from '../src/start-workers.ts';
import type { WorkerDeps } from '../src/worker-deps.ts';
import { createAndExecute, flushQueues, startEngine, waitForBatch, waitUntil } from './support/engine-harness.ts';

const secret = 'worker-test-webhook-secret';
let ctx: TestContext;
let deps: WorkerDeps;
let running: RunningWorkers;

beforeAll(async () => {
  ctx = await makeTestContext();
});
afterAll(async () => ctx?.cleanup());

/** Workers and their job schedulers (the reconciler every 300 ms), as a worker process starts them. */
async function start(env: Record<string, string> = {}) {
  ({ deps, running } = startEngine(ctx, { RECONCILE_EVERY_MS: '300', WORKER_CONCURRENCY: '4', ...env }));
  await ensureWorkerSchedulers(deps);
}
beforeEach(async () => {
  await resetBusinessData(ctx.db);
  await flushQueues(ctx);
});
afterEach(async () => {
  await running?.close();
  // The mock's ledger marks what it removed: I1-I6 hold against its live payments.
  expect(await findInvariantViolations(ctx.db)).toEqual([]);
});

interface Paid {
  id: string;
  providerTxId: string | null;
  idempotencyKey: string;
  amount: { toFixed(n: number): string };
  commissionId: string;
}

const paymentPayload = (t: Paid, state = 'complete') => ({
  nanoid: t.providerTxId,
  state,
  amount_cents: Number(t.amount.toFixed(2).replace('.', '')),
  invoice_description: `Commission payout [${t.idempotencyKey}]`,
});

function signed(eventType: string, payloadKey: string, payload: object) {
  const rawBody = JSON.stringify({
    object: 'event',
    created: Math.floor(Date.now() / 1000),
    event_type: eventType,
    idempotency_key: randomUUID(),
    [payloadKey]: payload,
  });
  return { rawBody, signatureHeader: signRiseWebhook(secret, rawBody, Math.floor(Date.now() / 1000)), secret };
}

/** Receives an event as the API does: checked, stored once, and queued. */
async function deliver(eventType: string, payloadKey: string, payload: object) {
  const receipt = await receiveProviderWebhook(deps, {
    ...signed(eventType, payloadKey, payload),
    toleranceSeconds: 600,
  });
  if (receipt.refused) throw new Error(`refused: ${receipt.reason}`);
  return receipt.eventId;
}

const eventStatus = async (id: string) =>
  (await ctx.db.riseWorksWebhookEvent.findUniqueOrThrow({ where: { id }, select: { status: true } })).status;

describe('provider events through the worker', () => {
  it('confirms every payment of a batch, reverses a removed one, and the next batch pays its commission again', async () => {
    await start();
    for (let i = 0; i < 3; i++) await insertAffiliate(ctx.db, { commissions: ['60.00'] });
    const batchId = await createAndExecute(deps);
    expect(await waitForBatch(deps, batchId)).toBe('COMPLETED');
    const paid = await ctx.db.disbursementTransaction.findMany({ where: { batchId } });
    const events = await Promise.all(paid.map((t) => deliver('payment.sent', 'payment', paymentPayload(t))));
    await waitUntil(
      async () =>
        (await ctx.db.disbursementTransaction.count({ where: { batchId, confirmedAt: { not: null } } })) === 3,
      'every payment confirmed',
    );
    expect(await Promise.all(events.map(eventStatus))).toEqual(['APPLIED', 'APPLIED', 'APPLIED']);

    const [removed] = paid;
    if (!removed) throw new Error('no payment');
    await removeMockPayment(ctx.db, removed.providerTxId ?? '');
    const removal = await deliver('payment.removed', 'payment', {
      ...paymentPayload(removed, 'removed'),
      reason: 'returned',
    });
    await waitUntil(async () => (await eventStatus(removal)) === 'APPLIED', 'the removal applied');
    expect(await ctx.db.commission.findUniqueOrThrow({ where: { id: removed.commissionId } })).toMatchObject({
      status: 'APPROVED',
    });
    expect(await findInvariantViolations(ctx.db)).toEqual([]);

    const again = await createAndExecute(deps);
    expect(await waitForBatch(deps, again)).toBe('COMPLETED');
    const repaid = await ctx.db.disbursementTransaction.findMany({ where: { batchId: again } });
    expect(repaid.map((t) => [t.commissionId, t.status])).toEqual([[removed.commissionId, 'COMPLETED']]);
  });

  it('an event for a payment still in flight waits and is applied once our COMPLETED write lands', async () => {
    await start();
    await insertAffiliate(ctx.db, { commissions: ['70.00'] });
    // A batch executing without jobs: the test plays the payment job, slowly.
    const { batches } = await createBatches(
      deps,
      { provider: 'MOCK', minPayout: '50.00', maxBatchSize: 10 },
      { actor: 'test:admin' },
    );
    const batchId = batches[0]?.id ?? '';
    await queueBatchExecution(deps, batchId, { actor: 'test:admin' });
    const started = await startBatchExecution(deps, batchId);
    if (!started.started) throw new Error('not started');
    const claim = await claimTransaction(deps, started.transactionIds[0] ?? '', batchId, 60_000, {
      actor: 'test:payer',
    });
    if (!claim.claimed) throw new Error('not claimed');
    const { providerTxId } = await deps.provider.sendPayment({
      idempotencyKey: claim.transaction.idempotencyKey,
      payeeId: claim.transaction.payeeRiseId ?? '',
      amount: '70.00',
      currency: 'USD',
    });
    const eventId = await deliver('payment.sent', 'payment', paymentPayload({ ...claim.transaction, providerTxId }));
    await waitUntil(async () => (await eventStatus(eventId)) === 'WAITING', 'the event waiting');

    await recordPaymentCompleted(deps, claim.transaction, providerTxId, { actor: 'test:payer' });
    await waitUntil(async () => (await eventStatus(eventId)) === 'APPLIED', 'the event applied after the write');
    const event = await ctx.db.riseWorksWebhookEvent.findUniqueOrThrow({ where: { id: eventId } });
    expect(event.attempts).toBeGreaterThan(1);
    expect(await finalizeBatch(deps, batchId, { actor: 'test:payer' })).toMatchObject({ status: 'COMPLETED' });
  });

  it('the reconciler queues a stored event whose job Redis lost', async () => {
    await start();
    await insertAffiliate(ctx.db, { commissions: ['60.00'] });
    const batchId = await createAndExecute(deps);
    expect(await waitForBatch(deps, batchId)).toBe('COMPLETED');
    const [paid] = await ctx.db.disbursementTransaction.findMany({ where: { batchId } });
    if (!paid) throw new Error('no payment');
    const eventId = await deliver('payment.sent', 'payment', paymentPayload(paid));
    // Lost before the worker took it: the job is gone, the event still RECEIVED in Postgres.
    await running.close();
    await ctx.db.riseWorksWebhookEvent.update({ where: { id: eventId }, data: { status: 'RECEIVED', attempts: 0 } });
    await ctx.db.disbursementTransaction.update({ where: { id: paid.id }, data: { confirmedAt: null } });
    await ctx.db.disbursementAuditLog.deleteMany({ where: { action: 'payment.confirmed' } });
    await flushQueues(ctx);

    await start();
    await waitUntil(async () => (await eventStatus(eventId)) === 'APPLIED', 'the event applied after the reconciler');
    const event = await ctx.db.riseWorksWebhookEvent.findUniqueOrThrow({ where: { id: eventId } });
    expect(event.requeueCount).toBe(1);
    expect(await ctx.db.disbursementAuditLog.count({ where: { action: 'payment.confirmed' } })).toBe(1);
  });

  it('a job naming an event that does not exist is refused and changes nothing', async () => {
    await start();
    const job = await enqueue(
      deps.queues,
      QueueName.providerEvents,
      { eventId: 'forged' },
      providerEventJobId('forged'),
    );
    await waitUntil(async () => (await job.getState()) === 'failed', 'the forged job refused');
    expect((await deps.queues[QueueName.providerEvents].getJob(job.id ?? ''))?.failedReason).toMatch(/^refused: /);
    expect(await ctx.db.disbursementAuditLog.count({ where: { action: 'job.refused' } })).toBe(1);
  });

  it('without webhooks the reconciler looks payments up: confirms them, and reverses a removed one', async () => {
    for (let i = 0; i < 2; i++) await insertAffiliate(ctx.db, { commissions: ['60.00'] });
    // Paid with the reconciler's look-ups stopped, so that one payment can be removed before it asks.
    await start({ PROVIDER_CONFIRM_AFTER_MS: '3600000' });
    const batchId = await createAndExecute(deps);
    expect(await waitForBatch(deps, batchId)).toBe('COMPLETED');
    const [kept, removed] = await ctx.db.disbursementTransaction.findMany({
      where: { batchId },
      orderBy: { id: 'asc' },
    });
    await removeMockPayment(ctx.db, removed?.providerTxId ?? '');
    await running.close();

    await start({ PROVIDER_CONFIRM_AFTER_MS: '1' });
    await waitUntil(
      async () =>
        (await ctx.db.disbursementTransaction.count({
          where: { batchId, OR: [{ confirmedAt: { not: null } }, { status: 'REVERSED' }] },
        })) === 2,
      'both payments settled by look-ups',
    );
    const after = await ctx.db.disbursementTransaction.findMany({ where: { batchId }, orderBy: { id: 'asc' } });
    expect(after.map((t) => [t.id, t.status])).toEqual([
      [kept?.id, 'COMPLETED'],
      [removed?.id, 'REVERSED'],
    ]);
    const audits = await ctx.db.disbursementAuditLog.findMany({
      where: { action: { in: ['payment.confirmed', 'payment.reversed'] } },
    });
    expect(audits.map((a) => a.actor)).toEqual(['system:reconciler', 'system:reconciler']);
  });
});
