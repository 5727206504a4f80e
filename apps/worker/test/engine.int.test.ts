import {
  discardTransaction,
  getPayoutSchedule,
  replayTransaction,
  setPayoutSchedule,
  startBatchExecution,
} from '@payouts/core';
import { reconcile, runNightlyPayout } from '@payouts/operations';
import { readMockLedger } from '@payouts/providers';
import { addBatchFlow, finalizeJobId, QueueName, replayFlowIds } from '@payouts/queue';
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

let ctx: TestContext;
let deps: WorkerDeps;
let running: RunningWorkers;

beforeAll(async () => {
  ctx = await makeTestContext();
});
afterAll(async () => ctx?.cleanup());

beforeEach(async () => {
  // Each test starts from no business data and empty queues.
  await resetBusinessData(ctx.db);
  await flushQueues(ctx);
  ({ deps, running } = startEngine(ctx, { MOCK_PROVIDER_LATENCY_MS: '5', WORKER_CONCURRENCY: '4' }));
});
afterEach(async () => {
  await running.close();
  expect(await findInvariantViolations(ctx.db)).toEqual([]);
});

async function payable(affiliates: number) {
  for (let i = 0; i < affiliates; i++) await insertAffiliate(ctx.db, { commissions: ['30.00', '25.25'] });
}

async function deadLetters() {
  const jobs = await deps.queues[QueueName.deadLetter].getJobs(['waiting', 'delayed']);
  return jobs.map((j) => j.data as { transactionId: string; error: string });
}

describe('execution engine on real Postgres and Redis', () => {
  it('executes a batch once when execution is requested twice at the same moment', async () => {
    await payable(10);
    const batchId = await createAndExecute(deps);
    // A second execute job with another id, as an operator retry or a duplicate delivery would add.
    const again = await startBatchExecution(deps, batchId);
    if (again.started) await addBatchFlow(deps.flowProducer, batchId, again.transactionIds, { attempts: 5 });

    expect(await waitForBatch(deps, batchId)).toBe('COMPLETED');
    expect(await ctx.db.disbursementAuditLog.count({ where: { batchId, action: 'batch.executed' } })).toBe(1);
    // The batch's progress shows on its finalize-batch job, for Bull Board.
    const progress = async () => (await deps.queues[QueueName.finalizeBatch].getJob(finalizeJobId(batchId)))?.progress;
    await waitUntil(async () => JSON.stringify(await progress()).includes('"percent":100'), 'final progress');
    expect(await progress()).toEqual({ settled: 20, total: 20, percent: 100 });
    expect(await readMockLedger(ctx.db)).toEqual({ payments: 20, total: '552.50', sendCalls: 20 });
  });

  it('completes a batch after Redis lost everything mid-batch, through the reconciler', async () => {
    await running.close();
    ({ deps, running } = startEngine(ctx, { MOCK_PROVIDER_LATENCY_MS: '100', WORKER_CONCURRENCY: '2' }));
    await payable(15);
    const batchId = await createAndExecute(deps);
    await waitUntil(async () => (await ctx.db.mockProviderPayment.count()) >= 4, 'a few payments');

    expect(await flushQueues(ctx)).toBeGreaterThan(0);
    const reports = [];
    for (let round = 0; round < 100; round++) {
      reports.push(await reconcile(deps));
      const batch = await ctx.db.paymentBatch.findUniqueOrThrow({ where: { id: batchId } });
      if (batch.status === 'COMPLETED') break;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    expect(await waitForBatch(deps, batchId, 1)).toBe('COMPLETED');
    expect(reports.reduce((n, r) => n + r.requeuedPayments, 0)).toBeGreaterThan(0);
    const ledger = await readMockLedger(ctx.db);
    expect(ledger).toMatchObject({ payments: 30, total: '828.75' });
    // A send after the flush may repeat one that was in flight: the key keeps it to one payment.
    expect(ledger.sendCalls).toBeGreaterThanOrEqual(30);
  });

  it('sends a permanently failing payment to the dead-letter queue once, and a replay pays it once', async () => {
    await payable(3);
    const [victim] = await ctx.db.commission.findMany({ take: 1, orderBy: { id: 'asc' } });
    // A payee the provider refuses: the payout account vanished between creation and payment.
    const batchId = await createAndExecute(deps, (id) =>
      ctx.db.disbursementTransaction.updateMany({
        where: { batchId: id, commissionId: victim?.id },
        data: { payeeRiseId: null },
      }),
    );
    expect(await waitForBatch(deps, batchId)).toBe('FAILED');
    const failed = await ctx.db.disbursementTransaction.findFirstOrThrow({ where: { batchId, status: 'FAILED' } });
    await waitUntil(async () => (await deadLetters()).length === 1, 'the dead letter');
    await reconcile(deps);
    expect((await deadLetters()).map((d) => d.transactionId)).toEqual([failed.id]);

    await ctx.db.disbursementTransaction.update({ where: { id: failed.id }, data: { payeeRiseId: 'rise_restored' } });
    const replay = await replayTransaction(deps, failed.id, { actor: 'test:operator' });
    await addBatchFlow(deps.flowProducer, batchId, [failed.id], { attempts: 5 }, replayFlowIds(replay.round));
    expect(await waitForBatch(deps, batchId)).toBe('COMPLETED');
    expect(await readMockLedger(ctx.db)).toEqual({ payments: 6, total: '165.75', sendCalls: 6 });
    await expect(replayTransaction(deps, failed.id, { actor: 'test:operator' })).rejects.toMatchObject({
      code: 'CONFLICT',
    });
  });

  it('discarding a failed payment releases its commission for a later batch', async () => {
    await payable(1);
    const [first] = await ctx.db.commission.findMany({ take: 1, orderBy: { id: 'asc' } });
    const batchId = await createAndExecute(deps, (id) =>
      ctx.db.disbursementTransaction.updateMany({
        where: { batchId: id, commissionId: first?.id },
        data: { payeeRiseId: null },
      }),
    );
    expect(await waitForBatch(deps, batchId)).toBe('FAILED');
    const failed = await ctx.db.disbursementTransaction.findFirstOrThrow({ where: { batchId, status: 'FAILED' } });
    await discardTransaction(deps, failed.id, { actor: 'test:operator' });

    const commission = await ctx.db.commission.findUniqueOrThrow({ where: { id: failed.commissionId } });
    expect(commission.status).toBe('APPROVED');
    const transactions = await ctx.db.disbursementTransaction.findMany({ where: { commissionId: commission.id } });
    expect(transactions.map((t) => [t.status, t.liveCommissionId])).toEqual([['CANCELLED', null]]);
  });

  it('notes an empty night, and pays everyone payable on a night with work', async () => {
    const nightly = { autoExecute: true, actor: { actor: 'system:nightly-payout' } };
    expect(await runNightlyPayout(deps, nightly)).toEqual({ batchIds: [], executed: false });
    expect(await ctx.db.disbursementAuditLog.count({ where: { action: 'nightly.nothing_to_pay' } })).toBe(1);

    await payable(2);
    const night = await runNightlyPayout(deps, nightly);
    expect(night.batchIds).toHaveLength(1);
    expect(await waitForBatch(deps, night.batchIds[0] ?? '')).toBe('COMPLETED');
    expect(await readMockLedger(ctx.db)).toMatchObject({ payments: 4, total: '110.50' });
  });

  it('creates the nightly schedule from the environment once, and leaves a changed one alone on restart', async () => {
    await running.close();
    ({ deps, running } = startEngine(ctx, { NIGHTLY_PAYOUT_ENABLED: 'true', NIGHTLY_PAYOUT_CRON: '30 3 * * *' }));
    await ensureWorkerSchedulers(deps);
    const queue = deps.queues[QueueName.maintenance];
    expect(await queue.getJobScheduler('nightly-payout')).toMatchObject({ pattern: '30 3 * * *', tz: 'UTC' });
    expect(await queue.getJobScheduler('reconcile')).toBeDefined();

    expect(await getPayoutSchedule(deps)).toMatchObject({ cron: '30 3 * * *', updatedBy: 'system:config' });

    // An admin moves it (PUT /schedules/nightly-payout does this); a worker restarting keeps the change,
    // and puts back a job scheduler that someone changed in Redis alone.
    await setPayoutSchedule(
      deps,
      { cron: '0 4 * * *', timeZone: 'Europe/Paris', enabled: true, autoExecute: false },
      { actor: 'test:admin' },
    );
    await queue.upsertJobScheduler('nightly-payout', { pattern: '* * * * *', tz: 'UTC' }, { name: 'nightly-payout' });
    await ensureWorkerSchedulers(deps);
    expect(await queue.getJobScheduler('nightly-payout')).toMatchObject({ pattern: '0 4 * * *', tz: 'Europe/Paris' });
  });
});
