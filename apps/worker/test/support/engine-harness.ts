import { parseEnv } from '@payouts/config';
import { createBatches, queueBatchExecution } from '@payouts/core';
import type { PaymentBatchStatus } from '@payouts/db';
import { enqueue, executeJobId, QueueName } from '@payouts/queue';
import type { TestContext } from '@payouts/testing';
import { Redis } from 'ioredis';
import { type RunningWorkers, startWorkers } from '../../src/start-workers.ts';
import { makeWorkerDeps, type WorkerDeps } from '../../src/worker-deps.ts';

/** Real workers in this process, on the test file's database and queue prefix. */
export function startEngine(
  ctx: TestContext,
  env: Record<string, string> = {},
): { deps: WorkerDeps; running: RunningWorkers } {
  const source = {
    DATABASE_URL: ctx.databaseUrl,
    REDIS_URL: ctx.redisUrl,
    QUEUE_PREFIX: ctx.queuePrefix,
    LOG_LEVEL: 'silent',
    PAY_BACKOFF_MS: '50',
    PAY_BACKOFF_MAX_MS: '200',
    // After an unanswered attempt a look-up that finds nothing is trusted a lease later: keep it short here.
    PAY_CLAIM_LEASE_MS: '2000',
    NIGHTLY_PAYOUT_ENABLED: 'false',
    ...env,
  };
  // The provider's fault plan (MOCK_PROVIDER_FAULTS...) is read from the same variables.
  const deps = makeWorkerDeps(parseEnv(source), { source });
  return { deps, running: startWorkers(deps) };
}

/**
 * Creates one batch of everyone payable and asks for its execution, as the API does; `alter` may
 * change the batch in between (to plant a fault).
 */
export async function createAndExecute(
  deps: WorkerDeps,
  alter: (batchId: string) => Promise<unknown> = async () => {},
): Promise<string> {
  const created = await createBatches(
    deps,
    { provider: 'MOCK', minPayout: '50.00', maxBatchSize: 10_000 },
    { actor: 'test:admin' },
  );
  const batchId = created.batches[0]?.id;
  if (!batchId) throw new Error('nothing payable');
  await alter(batchId);
  await queueBatchExecution(deps, batchId, { actor: 'test:admin' });
  await enqueue(deps.queues, QueueName.executeBatch, { batchId }, executeJobId(batchId));
  return batchId;
}

const settled: PaymentBatchStatus[] = ['COMPLETED', 'FAILED', 'CANCELLED'];

/** Polls until the batch has settled, or fails after the deadline (a bound, not a timing assertion). */
export async function waitForBatch(deps: WorkerDeps, batchId: string, seconds = 45): Promise<PaymentBatchStatus> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const batch = await deps.db.paymentBatch.findUniqueOrThrow({ where: { id: batchId }, select: { status: true } });
    if (settled.includes(batch.status)) return batch.status;
    if (Date.now() > deadline) throw new Error(`batch ${batchId} still ${batch.status} after ${seconds} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function waitUntil(check: () => Promise<boolean>, what: string, seconds = 30): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Deletes every key of the test's queues: to BullMQ, the same as Redis losing everything. */
export async function flushQueues(ctx: TestContext): Promise<number> {
  const redis = new Redis(ctx.redisUrl);
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${ctx.queuePrefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}
