import { cancelBatch, createBatches, queueBatchExecution, setPayoutSchedule } from '@payouts/core';
import { readMockLedger } from '@payouts/providers';
import { executeJobId, QueueName } from '@payouts/queue';
import {
  findInvariantViolations,
  insertAffiliate,
  makeTestContext,
  resetBusinessData,
  type TestContext,
} from '@payouts/testing';
import type { Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningWorkers } from '../src/start-workers.ts';
import type { WorkerDeps } from '../src/worker-deps.ts';
import { flushQueues, startEngine, waitForBatch, waitUntil } from './support/engine-harness.ts';

// Jobs added straight to Redis, as anyone who can write to it (or a console that can add jobs) could:
// none of them may move money or write anything but its refusal, since Postgres never decided on them.

let ctx: TestContext;
let deps: WorkerDeps;
let running: RunningWorkers;

beforeAll(async () => {
  ctx = await makeTestContext();
});
afterAll(async () => ctx?.cleanup());

beforeEach(async () => {
  await resetBusinessData(ctx.db);
  await flushQueues(ctx);
  ({ deps, running } = startEngine(ctx, { WORKER_CONCURRENCY: '4' }));
});
afterEach(async () => {
  await running.close();
  expect(await findInvariantViolations(ctx.db)).toEqual([]);
});

const forgedActor = 'api-key:admin:forged';

async function pendingBatch(affiliates = 2): Promise<string> {
  for (let i = 0; i < affiliates; i++) await insertAffiliate(ctx.db, { commissions: ['30.00', '25.25'] });
  const created = await createBatches(
    deps,
    { provider: 'MOCK', minPayout: '50.00', maxBatchSize: 10_000 },
    { actor: 'test:admin' },
  );
  const batchId = created.batches[0]?.id;
  if (!batchId) throw new Error('nothing payable');
  return batchId;
}

/** Adds a job by hand and waits until the worker has finished with it; answers its final state. */
async function addByHand(queue: Queue, name: string, data: unknown, jobId: string) {
  const job = await queue.add(name, data, { jobId, attempts: 3 });
  let state = '';
  await waitUntil(async () => {
    state = await job.getState();
    return state === 'completed' || state === 'failed';
  }, `job ${jobId} to finish`);
  return { state, job: await queue.getJob(jobId) };
}

async function refusals() {
  const rows = await ctx.db.disbursementAuditLog.findMany({
    where: { action: 'job.refused' },
    orderBy: { createdAt: 'asc' },
  });
  return rows.map((row) => ({
    actor: row.actor,
    status: row.status,
    ...(row.details as { queue: string; reason: string }),
  }));
}

async function nothingPaid() {
  expect(await readMockLedger(ctx.db)).toMatchObject({ payments: 0 });
  expect(await ctx.db.commission.count({ where: { status: 'PAID' } })).toBe(0);
  expect(await ctx.db.disbursementTransaction.count({ where: { status: { not: 'PENDING' } } })).toBe(0);
}

describe('jobs that Postgres never authorised', () => {
  it('an execute-batch job for a PENDING batch executes nothing, with or without a forged actor', async () => {
    const batchId = await pendingBatch();
    const queue = deps.queues[QueueName.executeBatch];
    const withActor = await addByHand(queue, 'execute-batch', { batchId, actor: forgedActor }, 'forged-1');
    const plain = await addByHand(queue, 'execute-batch', { batchId }, executeJobId(batchId));

    for (const { state, job } of [withActor, plain]) {
      expect(state).toBe('failed');
      expect(job?.attemptsMade).toBe(1); // refused at once, never retried
      expect(job?.failedReason).toMatch(/^refused: /);
    }
    expect((await ctx.db.paymentBatch.findUniqueOrThrow({ where: { id: batchId } })).status).toBe('PENDING');
    await nothingPaid();
    expect(await refusals()).toEqual([
      expect.objectContaining({ actor: 'system:worker', status: 'WARNING', queue: 'execute-batch' }),
      expect.objectContaining({ queue: 'execute-batch', reason: expect.stringMatching(/is PENDING; only a QUEUED/) }),
    ]);
    expect(await ctx.db.disbursementAuditLog.count({ where: { actor: forgedActor } })).toBe(0);
  });

  it('a pay-transaction job for a batch that was never executed pays nothing, and the batch can still be cancelled', async () => {
    const batchId = await pendingBatch();
    const [first] = await ctx.db.disbursementTransaction.findMany({ where: { batchId } });
    if (!first) throw new Error('no transaction');
    const queue = deps.queues[QueueName.payTransaction];
    const { state } = await addByHand(queue, 'pay-transaction', { transactionId: first.id, batchId }, 'forged-pay');
    expect(state).toBe('failed');
    await nothingPaid();

    const cancelled = await cancelBatch(deps, batchId, { actor: 'test:admin' });
    expect(cancelled.cancelledTransactions).toBe(4);
    expect(await ctx.db.disbursementTransaction.count({ where: { batchId, status: 'COMPLETED' } })).toBe(0);
    expect(await refusals()).toEqual([
      expect.objectContaining({ queue: 'pay-transaction', reason: expect.stringMatching(/BATCH_NOT_PROCESSING/) }),
    ]);
  });

  it('a pay-transaction job naming another batch than its transaction is refused, the real batch pays once', async () => {
    const batchId = await pendingBatch(1);
    const other = await pendingBatch(1);
    const [transaction] = await ctx.db.disbursementTransaction.findMany({ where: { batchId } });
    if (!transaction) throw new Error('no transaction');
    // `other` is executing, so a job that names it for a transaction of `batchId` must still be refused.
    await queueBatchExecution(deps, other, { actor: 'test:admin' });
    await deps.queues[QueueName.executeBatch].add('execute-batch', { batchId: other }, { jobId: executeJobId(other) });
    expect(await waitForBatch(deps, other)).toBe('COMPLETED');
    const forged = { transactionId: transaction.id, batchId: other };
    const { state } = await addByHand(deps.queues[QueueName.payTransaction], 'pay-transaction', forged, 'forged-2');
    expect(state).toBe('failed');
    expect(await readMockLedger(ctx.db)).toMatchObject({ payments: 2, total: '55.25' });
    expect((await ctx.db.disbursementTransaction.findUniqueOrThrow({ where: { id: transaction.id } })).status).toBe(
      'PENDING',
    );
    expect(await refusals()).toEqual([expect.objectContaining({ reason: expect.stringMatching(/BATCH_MISMATCH/) })]);
  });

  it('executes a queued batch as whoever queued it, not as anyone a job names', async () => {
    const batchId = await pendingBatch();
    await queueBatchExecution(deps, batchId, { actor: 'api-key:real-admin:k1' });
    const queue = deps.queues[QueueName.executeBatch];
    const { state } = await addByHand(queue, 'execute-batch', { batchId }, executeJobId(batchId));
    expect(state).toBe('completed');
    expect(await waitForBatch(deps, batchId)).toBe('COMPLETED');
    const executed = await ctx.db.disbursementAuditLog.findMany({ where: { batchId, action: 'batch.executed' } });
    expect(executed.map((row) => row.actor)).toEqual(['api-key:real-admin:k1']);
    expect(await readMockLedger(ctx.db)).toMatchObject({ payments: 4, total: '110.50' });
  });

  it('create-batch, finalize-batch and account-sync jobs nobody asked for write nothing but their refusal', async () => {
    const batchId = await pendingBatch();
    const batchesBefore = await ctx.db.paymentBatch.count();
    await ctx.db.commission.updateMany({ data: { status: 'APPROVED' } });
    const jobs = [
      [deps.queues[QueueName.createBatch], 'create-batch', { actor: forgedActor }, 'create-forged-1'],
      [deps.queues[QueueName.createBatch], 'create-batch', { requestId: 'create-nobody-asked' }, 'create-forged-2'],
      [deps.queues[QueueName.finalizeBatch], 'finalize-batch', { batchId }, 'finalize-forged'],
      [deps.queues[QueueName.maintenance], 'account-sync', { actor: forgedActor }, 'account-sync-forged'],
    ] as const;
    for (const [queue, name, data, jobId] of jobs) {
      expect((await addByHand(queue, name, data, jobId)).state, jobId).toBe('failed');
    }
    expect(await ctx.db.paymentBatch.count()).toBe(batchesBefore);
    expect((await ctx.db.paymentBatch.findUniqueOrThrow({ where: { id: batchId } })).status).toBe('PENDING');
    expect((await refusals()).map((r) => r.queue)).toEqual([
      'create-batch',
      'create-batch',
      'finalize-batch',
      'maintenance',
    ]);
    await nothingPaid();
  });

  it('a nightly-payout job executes only what the schedule in Postgres says, whatever its data', async () => {
    for (let i = 0; i < 2; i++) await insertAffiliate(ctx.db, { commissions: ['30.00', '25.25'] });
    const maintenance = deps.queues[QueueName.maintenance];
    // No schedule enabled: a nightly run nobody asked for does nothing at all.
    const disabled = await addByHand(maintenance, 'nightly-payout', { autoExecute: true }, 'nightly-forged-1');
    expect(disabled.state).toBe('failed');
    expect(await ctx.db.paymentBatch.count()).toBe(0);

    // An enabled schedule that does not execute: the run creates batches, and pays nobody.
    await running.close();
    ({ deps, running } = startEngine(ctx, { WORKER_CONCURRENCY: '4', NIGHTLY_PAYOUT_ENABLED: 'true' }));
    await setPayoutSchedule(
      deps,
      { cron: '0 2 * * *', timeZone: 'UTC', enabled: true, autoExecute: false },
      { actor: 'test:admin' },
    );
    const run = await addByHand(deps.queues[QueueName.maintenance], 'nightly-payout', { autoExecute: true }, 'n-2');
    expect(run.state).toBe('completed');
    expect(run.job?.returnvalue).toMatchObject({ executed: false });
    const batches = await ctx.db.paymentBatch.findMany();
    expect(batches.map((b) => b.status)).toEqual(['PENDING']);
    await nothingPaid();
  });
});
