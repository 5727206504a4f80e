import { parseEnv } from '@payouts/config';
import { readMockLedger } from '@payouts/providers';
import { QueueName } from '@payouts/queue';
import {
  findInvariantViolations,
  insertAffiliate,
  makeTestContext,
  spawnWorker,
  type TestContext,
  type WorkerProcess,
} from '@payouts/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorkerDeps, type WorkerDeps } from '../src/worker-deps.ts';
import { createAndExecute, waitForBatch } from './support/engine-harness.ts';

// QUEUE_PREFIX as a Redis Cluster hash tag (`{name}`, README "Configuration"): a real worker process
// takes it, pays a batch once, and leaves no key outside the tag, so on a cluster all of them hash to
// one slot, as BullMQ's multi-key scripts and cross-queue flows need.
let ctx: TestContext;
let tag: string;
let producer: WorkerDeps;
let worker: WorkerProcess | undefined;
let redis: Redis;

/** Every key whose name holds the test's random prefix, wherever in the name. */
async function keysNaming(name: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `*${name}*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...found);
  } while (cursor !== '0');
  return keys;
}

beforeAll(async () => {
  ctx = await makeTestContext();
  redis = new Redis(ctx.redisUrl);
  tag = `{${ctx.queuePrefix}}`;
  const env = {
    DATABASE_URL: ctx.databaseUrl,
    REDIS_URL: ctx.redisUrl,
    QUEUE_PREFIX: tag,
    MOCK_PROVIDER_LATENCY_MS: '5',
    WORKER_CONCURRENCY: '4',
    NIGHTLY_PAYOUT_ENABLED: 'false',
  };
  producer = makeWorkerDeps(parseEnv({ ...env, LOG_LEVEL: 'silent' }));
  worker = await spawnWorker(env);
});
afterAll(async () => {
  await worker?.stop();
  await producer?.flowProducer.close();
  await Promise.all(Object.values(producer?.queues ?? {}).map((q) => q.close()));
  producer?.connection.disconnect();
  await producer?.db.$disconnect();
  // ctx.cleanup() deletes `<queuePrefix>:*`; the keys here start with the brace.
  if (redis) {
    const keys = ctx ? await keysNaming(ctx.queuePrefix) : [];
    if (keys.length > 0) await redis.unlink(...keys);
    redis.disconnect();
  }
  await ctx?.cleanup();
});

describe('QUEUE_PREFIX as a Redis Cluster hash tag', () => {
  it('a worker process with QUEUE_PREFIX={name} pays a batch once, every Redis key under the tag', async () => {
    for (let i = 0; i < 10; i++) await insertAffiliate(ctx.db, { commissions: ['40.00', '12.34'] });
    const batchId = await createAndExecute(producer);

    expect(await waitForBatch(producer, batchId, 60)).toBe('COMPLETED');
    expect(await readMockLedger(ctx.db)).toEqual({ payments: 20, total: '523.40', sendCalls: 20 });
    expect(await findInvariantViolations(ctx.db)).toEqual([]);
    expect(worker?.output()).toContain(`"prefix":"${tag}"`);

    const keys = await keysNaming(ctx.queuePrefix);
    // The batch's queues and the schedulers the process set at start are all there...
    for (const queue of [QueueName.executeBatch, QueueName.payTransaction, QueueName.finalizeBatch]) {
      expect(keys).toContain(`${tag}:${queue}:meta`);
    }
    expect(keys).toContain(`${tag}:${QueueName.maintenance}:repeat`);
    // ...and nothing names the prefix outside its braces (Redis hashes only what the first {...} holds).
    expect(keys.filter((key) => !key.startsWith(`${tag}:`))).toEqual([]);
  });
});
