import { parseEnv } from '@payouts/config';
import { readMockLedger } from '@payouts/providers';
import { addBatchFlowInChunks, closeQueues, finalizeJobId, flowGateJobId, QueueName } from '@payouts/queue';
import { findInvariantViolations, insertPayableAffiliates, makeTestContext, type TestContext } from '@payouts/testing';
import type { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorkerDeps } from '../src/worker-deps.ts';
import { createAndExecute, startEngine, waitForBatch } from './support/engine-harness.ts';

// A batch larger than one chunk of its flow (1,000 children) is added chunk by chunk behind a gate.
let ctx: TestContext;
beforeAll(async () => {
  ctx = await makeTestContext();
});
afterAll(async () => ctx?.cleanup());

describe('a batch flow added in chunks', () => {
  it('pays every payment of a 2,500-payment batch once and finalizes after the last chunk', async () => {
    await insertPayableAffiliates(ctx.db, 250, 10);
    const { deps, running } = startEngine(ctx, { WORKER_CONCURRENCY: '50' });
    try {
      const batchId = await createAndExecute(deps);
      expect(await waitForBatch(deps, batchId, 120)).toBe('COMPLETED');
      expect(await ctx.db.disbursementTransaction.count({ where: { batchId, status: 'COMPLETED' } })).toBe(2500);
      const ledger = await readMockLedger(ctx.db);
      expect([ledger.payments, ledger.sendCalls]).toEqual([2500, 2500]);

      // The gate ran, the parent counted every payment as its child, and finalized once.
      const finalize = deps.queues[QueueName.finalizeBatch];
      expect(await (await finalize.getJob(flowGateJobId(batchId)))?.getState()).toBe('completed');
      const parent = await finalize.getJob(finalizeJobId(batchId));
      expect(await parent?.getState()).toBe('completed');
      const counts = await parent?.getDependenciesCount();
      expect((counts?.processed ?? 0) + (counts?.ignored ?? 0)).toBe(2501);
      expect(await ctx.db.disbursementAuditLog.count({ where: { batchId, action: 'batch.completed' } })).toBe(1);
    } finally {
      await running.close();
    }
    expect(await findInvariantViolations(ctx.db)).toEqual([]);
  });

  it('an execute job that died between its chunks: its re-run, with less than a chunk left, opens the gate', async () => {
    // No worker here: the jobs stay where they are put.
    const deps = makeWorkerDeps(
      parseEnv({
        DATABASE_URL: ctx.databaseUrl,
        REDIS_URL: ctx.redisUrl,
        QUEUE_PREFIX: `${ctx.queuePrefix}-gate`,
        LOG_LEVEL: 'silent',
      }),
    );
    const finalize = deps.queues[QueueName.finalizeBatch];
    const batchId = 'batch-interrupted';
    const ids = Array.from({ length: 1500 }, (_, i) => `tx-${i}`);
    try {
      // The first attempt adds the gate and the first chunk, then its worker dies before the second chunk.
      const dying = Object.create(deps.queues[QueueName.payTransaction], {
        addBulk: { value: async () => Promise.reject(new Error('the worker died')) },
      }) as Queue;
      await expect(
        addBatchFlowInChunks(deps.flowProducer, { payTransaction: dying, finalizeBatch: finalize }, batchId, ids, {
          attempts: 3,
        }),
      ).rejects.toThrow('the worker died');
      expect(await (await finalize.getJob(flowGateJobId(batchId)))?.getState()).toBe('delayed');

      // Meanwhile 1,000 payments settled: the re-run has 500 left, fewer than a chunk, and adds them as one flow.
      const queues = { payTransaction: deps.queues[QueueName.payTransaction], finalizeBatch: finalize };
      await addBatchFlowInChunks(deps.flowProducer, queues, batchId, ids.slice(1000), { attempts: 3 });
      // Every child is in: the gate no longer holds the parent for its 10 minutes.
      expect(await (await finalize.getJob(flowGateJobId(batchId)))?.getState()).not.toBe('delayed');
      expect(await deps.queues[QueueName.payTransaction].count()).toBe(1500);
    } finally {
      // The prefix is this test's own: leave nothing of it in Redis.
      for (const queue of Object.values(deps.queues)) await queue.obliterate({ force: true });
      await deps.flowProducer.close();
      await closeQueues(deps.queues);
      deps.connection.disconnect();
      await deps.db.$disconnect();
    }
  });
});
