import { parseEnv } from '@payouts/config';
import { makeTestContext, spawnWorker, type TestContext, type WorkerProcess } from '@payouts/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeWorkerDeps, type WorkerDeps } from '../src/worker-deps.ts';
import { createAndExecute, waitForBatch, waitUntil } from './support/engine-harness.ts';
import {
  expectBatchSettled,
  expectLedgerMatchesCompleted,
  insertRisePayees,
  type RiseSandbox,
  startRiseSandbox,
  waitForQuietLedger,
} from './support/rise-ledger.ts';

// Real worker processes paying through the Rise sandbox; one is killed with SIGKILL in the middle of
// paying, while Rise is still working on what it sent.
let ctx: TestContext;
let sandbox: RiseSandbox;
let producer: WorkerDeps;
let workers: WorkerProcess[] = [];
let env: Record<string, string>;

beforeAll(async () => {
  ctx = await makeTestContext();
  sandbox = await startRiseSandbox(ctx, { timeoutMs: 3000 });
  env = {
    DATABASE_URL: ctx.databaseUrl,
    REDIS_URL: ctx.redisUrl,
    QUEUE_PREFIX: ctx.queuePrefix,
    ...sandbox.engineEnv,
    WORKER_CONCURRENCY: '4',
    // Short locks and leases so a dead worker's jobs are noticed in seconds; the lease stays longer than
    // the Rise timeout, so nobody takes a claim over while its PUT may still be on its way.
    WORKER_LOCK_DURATION_MS: '2000',
    PAY_CLAIM_LEASE_MS: '4000',
    PAY_BACKOFF_MS: '100',
    PAY_BACKOFF_MAX_MS: '500',
    PAY_ATTEMPTS: '10',
    RECONCILE_EVERY_MS: '1000',
    NIGHTLY_PAYOUT_ENABLED: 'false',
  };
  // Only a producer here: it adds jobs and reads state; the worker processes do the work.
  producer = makeWorkerDeps(parseEnv({ ...env, LOG_LEVEL: 'silent' }));
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await producer?.flowProducer.close();
  await Promise.all(Object.values(producer?.queues ?? {}).map((q) => q.close()));
  producer?.connection.disconnect();
  await producer?.db.$disconnect();
  expect(await sandbox?.server.stop()).toBe(0);
  await ctx?.cleanup();
});
afterEach(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  workers = [];
});

describe('worker processes paying through Rise', () => {
  it('a worker killed with SIGKILL while Rise works on its payments: a new worker finishes the batch, each paid once', {
    timeout: 150_000,
  }, async () => {
    await insertRisePayees(ctx.db, sandbox, 20, ['40.00', '12.34']);
    // Every PUT takes a while at Rise (well within the adapter's timeout): payments are in flight when
    // the worker dies, and Rise completes them after it is gone.
    await sandbox.addFaults({ operation: 'execute', kind: 'delay', count: 1000, delayMs: 700 });

    const first = await spawnWorker(env);
    workers.push(first);
    const batchId = await createAndExecute(producer);
    await waitUntil(async () => (await sandbox.ledger()).payments.length >= 8, 'some Rise payments', 60);
    // Payments move in waves of the worker's concurrency (their statements are grouped): kill it once the
    // next wave is claimed and its PUTs are held at Rise (700 ms each), not between two waves.
    await waitUntil(
      async () => (await ctx.db.disbursementTransaction.count({ where: { batchId, status: 'PROCESSING' } })) > 0,
      'payments in flight',
      30,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    await first.kill();
    expect(first.child.signalCode).toBe('SIGKILL');

    // What the dead worker had sent lands at Rise; Postgres never heard of it.
    const paidAtRise = await waitForQuietLedger(sandbox, { quietMs: 1500 });
    const recorded = await ctx.db.disbursementTransaction.count({ where: { batchId, status: 'COMPLETED' } });
    expect(paidAtRise).toBeLessThan(40);
    expect(paidAtRise).toBeGreaterThan(recorded);
    const orphaned = await ctx.db.disbursementTransaction.count({ where: { batchId, status: 'PROCESSING' } });
    expect(orphaned).toBeGreaterThan(0);

    workers.push(await spawnWorker(env));
    expect(await waitForBatch(producer, batchId, 90)).toBe('COMPLETED');
    // The dead worker's claims were taken over (look-up first) and its payments recorded, not made again.
    expect(
      await ctx.db.disbursementAuditLog.count({ where: { batchId, action: 'payment.claim_taken_over' } }),
    ).toBeGreaterThanOrEqual(orphaned);
    expect((await sandbox.ledger()).payments).toHaveLength(40);
    await expectBatchSettled(producer, batchId);
    expect(await expectLedgerMatchesCompleted(ctx.db, sandbox)).toBe(20n * (4000n + 1234n));
  });
});
