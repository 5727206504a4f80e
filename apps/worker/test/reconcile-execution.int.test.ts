import { parseEnv } from '@payouts/config';
import { createBatches, queueBatchExecution, startBatchExecution } from '@payouts/core';
import { reconcile } from '@payouts/operations';
import { closeQueues, enqueue, executeJobId, QueueName } from '@payouts/queue';
import { insertAffiliate, makeTestContext, type TestContext } from '@payouts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorkerDeps, type WorkerDeps } from '../src/worker-deps.ts';

// The reconciler gives a job to each payment of a PROCESSING batch that has none: work Redis lost. An
// execute job moves its batch to PROCESSING first and adds the payments' jobs after; in between (seconds
// on a busy machine, for a large batch) nothing is lost, and the execute job adds every one of them.
let ctx: TestContext;
let deps: WorkerDeps;
const who = { actor: 'test:admin' };

beforeAll(async () => {
  ctx = await makeTestContext();
  // No worker runs here: the execute job stays where it is put.
  deps = makeWorkerDeps(
    parseEnv({
      DATABASE_URL: ctx.databaseUrl,
      REDIS_URL: ctx.redisUrl,
      QUEUE_PREFIX: ctx.queuePrefix,
      LOG_LEVEL: 'silent',
      NIGHTLY_PAYOUT_ENABLED: 'false',
    }),
  );
});
afterAll(async () => {
  await deps?.flowProducer.close();
  if (deps) await closeQueues(deps.queues);
  deps?.connection.disconnect();
  await deps?.db.$disconnect();
  await ctx?.cleanup();
});

describe('the reconciler and a batch being executed', () => {
  it('leaves the payments of a batch to its live execute job, and requeues them once that job is lost', async () => {
    for (let i = 0; i < 5; i++) await insertAffiliate(ctx.db, { commissions: ['60.00'] });
    const created = await createBatches(deps, { provider: 'MOCK', minPayout: '50.00', maxBatchSize: 100 }, who);
    const batchId = created.batches[0]?.id ?? '';
    await queueBatchExecution(deps, batchId, who);
    const job = await enqueue(deps.queues, QueueName.executeBatch, { batchId }, executeJobId(batchId));
    // What the execute job does first: the batch is PROCESSING, its payments have no job yet.
    expect(await startBatchExecution(deps, batchId)).toMatchObject({ started: true });

    const whileExecuting = await reconcile(deps);
    expect(whileExecuting.requeuedPayments).toBe(0);
    expect(await ctx.db.disbursementAuditLog.count({ where: { batchId, action: 'payment.requeued' } })).toBe(0);
    expect(await deps.queues[QueueName.payTransaction].count()).toBe(0);

    // Redis loses the execute job before it added anything: now nobody would pay them.
    await job.remove();
    const afterLoss = await reconcile(deps);
    expect(afterLoss.requeuedPayments).toBe(5);
    expect(await deps.queues[QueueName.payTransaction].count()).toBe(5);
  });
});
