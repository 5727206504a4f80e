import { readMockLedger } from '@payouts/providers';
import { finalizeJobId, flowGateJobId, QueueName } from '@payouts/queue';
import { findInvariantViolations, insertPayableAffiliates, makeTestContext, type TestContext } from '@payouts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
});
