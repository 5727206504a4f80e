import { parseEnv } from '@payouts/config';
import { readMockLedger } from '@payouts/providers';
import {
  findInvariantViolations,
  insertAffiliate,
  makeTestContext,
  resetBusinessData,
  spawnWorker,
  type TestContext,
  type WorkerProcess,
} from '@payouts/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeWorkerDeps, type WorkerDeps } from '../src/worker-deps.ts';
import { createAndExecute, flushQueues, waitForBatch, waitUntil } from './support/engine-harness.ts';

// Real worker processes: killed with SIGKILL mid-batch, or two of them sharing one batch.
let ctx: TestContext;
let producer: WorkerDeps;
let workers: WorkerProcess[] = [];
let env: Record<string, string>;

beforeAll(async () => {
  ctx = await makeTestContext();
  env = {
    DATABASE_URL: ctx.databaseUrl,
    REDIS_URL: ctx.redisUrl,
    QUEUE_PREFIX: ctx.queuePrefix,
    MOCK_PROVIDER_LATENCY_MS: '150',
    WORKER_CONCURRENCY: '4',
    // Short locks and leases so a dead worker's jobs are noticed in seconds, not minutes.
    WORKER_LOCK_DURATION_MS: '2000',
    PAY_CLAIM_LEASE_MS: '1500',
    PAY_BACKOFF_MS: '100',
    PAY_BACKOFF_MAX_MS: '500',
    RECONCILE_EVERY_MS: '1000',
    NIGHTLY_PAYOUT_ENABLED: 'false',
  };
  // Only a producer here: it adds jobs and reads state; the worker processes do the work.
  producer = makeWorkerDeps(parseEnv({ ...env, LOG_LEVEL: 'silent' }));
});
afterAll(async () => {
  await producer?.flowProducer.close();
  await Promise.all(Object.values(producer?.queues ?? {}).map((q) => q.close()));
  producer?.connection.disconnect();
  await producer?.db.$disconnect();
  await ctx?.cleanup();
});

beforeEach(async () => {
  await resetBusinessData(ctx.db);
  await flushQueues(ctx);
  for (let i = 0; i < 20; i++) await insertAffiliate(ctx.db, { commissions: ['40.00', '12.34'] });
});
afterEach(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  workers = [];
});

describe('worker processes', () => {
  it('a worker killed with SIGKILL mid-batch leaves nothing a restarted worker cannot finish, paying each once', async () => {
    const first = await spawnWorker(env);
    workers.push(first);
    const batchId = await createAndExecute(producer);
    await waitUntil(async () => (await ctx.db.mockProviderPayment.count()) >= 8, 'some payments');
    await first.kill();
    expect(first.child.signalCode).toBe('SIGKILL');
    const paidBeforeRestart = await ctx.db.mockProviderPayment.count();
    expect(paidBeforeRestart).toBeLessThan(40);

    workers.push(await spawnWorker(env));
    expect(await waitForBatch(producer, batchId, 90)).toBe('COMPLETED');
    // Every payment made once; no send reached the provider twice for one key.
    expect(await readMockLedger(ctx.db)).toEqual({ payments: 40, total: '1046.80', sendCalls: 40 });
    expect(await findInvariantViolations(ctx.db)).toEqual([]);
  });

  it('a worker whose Redis lost everything mid-batch puts its schedulers back and finishes the batch, no restart', async () => {
    const worker = await spawnWorker(env);
    workers.push(worker);
    const batchId = await createAndExecute(producer);
    await waitUntil(async () => (await ctx.db.mockProviderPayment.count()) >= 8, 'some payments');
    // What FLUSHDB does to this test's queues: every job, flow and job scheduler is gone.
    expect(await flushQueues(ctx)).toBeGreaterThan(0);
    expect(await ctx.db.mockProviderPayment.count()).toBeLessThan(40);

    expect(await waitForBatch(producer, batchId, 45)).toBe('COMPLETED');
    expect(worker.child.exitCode).toBeNull();
    expect(await producer.queues.maintenance.getJobScheduler('reconcile')).toMatchObject({ every: 1000 });
    expect(await producer.queues.maintenance.getJobScheduler('scheduled-account-sync')).toMatchObject({
      pattern: '0 3 * * *',
    });
    expect(worker.output()).toMatch(/"restored":\["reconcile","scheduled-account-sync"\]/);
    expect(await readMockLedger(ctx.db)).toEqual({ payments: 40, total: '1046.80', sendCalls: 40 });
    expect(await findInvariantViolations(ctx.db)).toEqual([]);
  });

  it('two worker processes share one batch and each payment is made once; both stop cleanly on SIGTERM', async () => {
    workers.push(await spawnWorker(env), await spawnWorker(env));
    const batchId = await createAndExecute(producer);
    expect(await waitForBatch(producer, batchId, 60)).toBe('COMPLETED');
    expect(await readMockLedger(ctx.db)).toEqual({ payments: 40, total: '1046.80', sendCalls: 40 });
    expect(await findInvariantViolations(ctx.db)).toEqual([]);

    const codes = await Promise.all(workers.map((w) => w.stop()));
    expect(codes).toEqual([0, 0]);
    workers = [];
  });
});
