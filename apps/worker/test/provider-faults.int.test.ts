import { replayTransaction } from '@payouts/core';
import { reconcile } from '@payouts/operations';
import { readMockLedger } from '@payouts/providers';
import { addBatchFlow, QueueName, replayFlowIds } from '@payouts/queue';
import {
  findInvariantViolations,
  insertAffiliate,
  makeTestContext,
  resetBusinessData,
  type TestContext,
} from '@payouts/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningWorkers } from '../src/start-workers.ts';
import type { WorkerDeps } from '../src/worker-deps.ts';
import { createAndExecute, flushQueues, startEngine, waitForBatch, waitUntil } from './support/engine-harness.ts';

// The mock provider's seeded faults, against real workers, Postgres and Redis; every test ends with
// DESIGN.md's invariants and the provider's ledger.
let ctx: TestContext;
let engine: { deps: WorkerDeps; running: RunningWorkers } | undefined;

beforeAll(async () => {
  ctx = await makeTestContext();
});
afterAll(async () => ctx?.cleanup());
beforeEach(async () => {
  await resetBusinessData(ctx.db);
  await flushQueues(ctx);
});
afterEach(async () => {
  await engine?.running.close();
  engine = undefined;
  expect(await findInvariantViolations(ctx.db)).toEqual([]);
});

function start(env: Record<string, string>) {
  engine = startEngine(ctx, {
    MOCK_PROVIDER_LATENCY_MS: '2',
    WORKER_CONCURRENCY: '8',
    MOCK_PROVIDER_SEED: '7',
    ...env,
  });
  return engine.deps;
}

async function payable(affiliates: number) {
  const rows = [];
  for (let i = 0; i < affiliates; i++) rows.push(await insertAffiliate(ctx.db, { commissions: ['50.00', '0.55'] }));
  return rows;
}

const auditCount = (action: string) => ctx.db.disbursementAuditLog.count({ where: { action } });

describe('provider faults', () => {
  it('timeouts after the provider paid: looked up, recorded once, never paid again', async () => {
    await payable(15);
    const deps = start({ MOCK_PROVIDER_FAULTS: 'timeoutAfterPay=0.4', PAY_ATTEMPTS: '10' });
    const batchId = await createAndExecute(deps);
    expect(await waitForBatch(deps, batchId)).toBe('COMPLETED');

    expect(await auditCount('payment.outcome_unknown')).toBeGreaterThan(0);
    // Each timed-out payment was settled by a status look-up, not by a second send.
    expect(await readMockLedger(ctx.db)).toEqual({ payments: 30, total: '758.25', sendCalls: 30 });
  });

  it('transient errors and rate limits are retried with backoff until every payment is made once', async () => {
    await payable(15);
    const deps = start({
      MOCK_PROVIDER_FAULTS: 'transient=0.3,rateLimited=0.1,timeoutBeforePay=0.1',
      MOCK_PROVIDER_RETRY_AFTER_MS: '100',
      PAY_ATTEMPTS: '15',
    });
    const batchId = await createAndExecute(deps);
    expect(await waitForBatch(deps, batchId)).toBe('COMPLETED');

    const retried = await ctx.db.disbursementTransaction.findMany({ where: { batchId, retryCount: { gt: 0 } } });
    expect(retried.length).toBeGreaterThan(0);
    expect(retried.every((t) => t.lastRetryAt !== null)).toBe(true);
    expect(await auditCount('payment.retry_scheduled')).toBeGreaterThan(0);
    expect(await readMockLedger(ctx.db)).toEqual({ payments: 30, total: '758.25', sendCalls: 30 });
  });

  it('a payment whose retries run out is FAILED with one dead letter, and the batch FAILED', async () => {
    await payable(2);
    const deps = start({ MOCK_PROVIDER_FAULTS: 'transient=1', PAY_ATTEMPTS: '3' });
    const batchId = await createAndExecute(deps);
    expect(await waitForBatch(deps, batchId)).toBe('FAILED');

    const failed = await ctx.db.disbursementTransaction.findMany({ where: { batchId } });
    expect(failed.map((t) => t.status)).toEqual(['FAILED', 'FAILED', 'FAILED', 'FAILED']);
    expect(failed.map((t) => t.retryCount)).toEqual([2, 2, 2, 2]);
    await waitUntil(async () => (await deadLetterIds(deps)).length === 4, 'four dead letters');
    await reconcile(deps);
    expect((await deadLetterIds(deps)).sort()).toEqual(failed.map((t) => t.id).sort());
    expect(await readMockLedger(ctx.db)).toEqual({ payments: 0, total: '0.00', sendCalls: 0 });
  });

  it('a refused payee is dead-lettered once without retries; after the fix a replay pays it once', async () => {
    const [refused] = await payable(3);
    const deps = start({ MOCK_PROVIDER_FAULTS_BY_PAYEE: `${refused?.riseId}=permanent`, PAY_ATTEMPTS: '5' });
    const batchId = await createAndExecute(deps);
    expect(await waitForBatch(deps, batchId)).toBe('FAILED');

    const failed = await ctx.db.disbursementTransaction.findMany({ where: { batchId, status: 'FAILED' } });
    expect(failed).toHaveLength(2);
    expect(failed.every((t) => t.retryCount === 0)).toBe(true);
    await waitUntil(async () => (await deadLetterIds(deps)).length === 2, 'two dead letters');
    expect(await readMockLedger(ctx.db)).toMatchObject({ payments: 4 });

    // The payee is fixed at the provider: a worker without that fault replays the two payments.
    await engine?.running.close();
    const fixed = start({});
    for (const transaction of failed) {
      const replay = await replayTransaction(fixed, transaction.id, { actor: 'test:operator' });
      await addBatchFlow(fixed.flowProducer, batchId, [transaction.id], { attempts: 5 }, replayFlowIds(replay.round));
    }
    expect(await waitForBatch(fixed, batchId)).toBe('COMPLETED');
    expect(await readMockLedger(ctx.db)).toEqual({ payments: 6, total: '151.65', sendCalls: 6 });
  });
});

async function deadLetterIds(deps: WorkerDeps): Promise<string[]> {
  const jobs = await deps.queues[QueueName.deadLetter].getJobs(['waiting', 'delayed']);
  return jobs.map((j) => (j.data as { transactionId: string }).transactionId);
}
