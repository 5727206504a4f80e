import { parseEnv } from '@payouts/config';
import { createApiKey } from '@payouts/core';
import { QueueName } from '@payouts/queue';
import { makeTestContext, type TestContext } from '@payouts/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeApiDeps, makeApiDeps } from '../src/api-deps.ts';
import { buildApp } from '../src/app.ts';

describe('Idempotency-Key on POSTs that start work', () => {
  let ctx: TestContext;
  let app: FastifyInstance;
  let deps: ReturnType<typeof makeApiDeps>;
  let key: string;
  let otherKey: string;

  beforeAll(async () => {
    ctx = await makeTestContext();
    deps = makeApiDeps(
      parseEnv({ DATABASE_URL: ctx.databaseUrl, REDIS_URL: ctx.redisUrl, QUEUE_PREFIX: ctx.queuePrefix }),
    );
    app = await buildApp(deps);
    key = (await createApiKey({ db: ctx.db }, { role: 'admin', name: 'a' })).key;
    otherKey = (await createApiKey({ db: ctx.db }, { role: 'admin', name: 'b' })).key;
  });
  afterAll(async () => {
    await app?.close();
    if (deps) await closeApiDeps(deps);
    await ctx?.cleanup();
  });

  const create = (idempotencyKey: string | undefined, body: object, apiKey = key) =>
    app.inject({
      method: 'POST',
      url: '/api/disbursement/batches',
      headers: {
        authorization: `Bearer ${apiKey}`,
        ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
      },
      payload: body,
    });
  const createJobs = () => deps.queues[QueueName.createBatch].getJobCounts('waiting', 'active', 'completed', 'failed');

  it('answers a repeated key and request with the first answer, starting the work once', async () => {
    const before = await createJobs();
    const first = await create('retry-1', {});
    const again = await create('retry-1', {});
    expect(first.statusCode).toBe(202);
    expect(again.statusCode).toBe(202);
    expect(again.json()).toEqual(first.json());
    expect(again.headers['idempotent-replayed']).toBe('true');
    const after = await createJobs();
    expect((after.waiting ?? 0) - (before.waiting ?? 0)).toBe(1);
  });

  it('refuses the same key with another request, and changes nothing', async () => {
    await create('retry-2', {});
    const before = await createJobs();
    const reused = await create('retry-2', { affiliateIds: ['someone'] });
    expect(reused.statusCode).toBe(422);
    expect(reused.json().error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await createJobs()).toEqual(before);
  });

  it('keeps keys apart per API key, and runs requests without a key every time', async () => {
    const mine = await create('shared', {});
    const theirs = await create('shared', {}, otherKey);
    expect(theirs.json().jobId).not.toBe(mine.json().jobId);
    const plain = [await create(undefined, {}), await create(undefined, {})];
    expect(plain[0]?.json().jobId).not.toBe(plain[1]?.json().jobId);
  });

  it('keeps nothing for a refused request: the same key works once the request is fixed', async () => {
    const records = () => ctx.db.idempotencyRecord.count();
    const before = await records();
    const execute = (batchId: string) =>
      app.inject({
        method: 'POST',
        url: `/api/disbursement/batches/${batchId}/execute`,
        headers: { authorization: `Bearer ${key}`, 'idempotency-key': 'fix-and-retry' },
      });
    const refused = await execute('no-such-batch');
    expect(refused.statusCode).toBe(404);
    expect(await records()).toBe(before);
    const again = await execute('no-such-batch');
    expect(again.statusCode).toBe(404);
    expect(again.headers['idempotent-replayed']).toBeUndefined();
    expect(await records()).toBe(before);
  });

  it('rejects a malformed key with 400', async () => {
    const response = await create('x'.repeat(201), {});
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('VALIDATION_FAILED');
  });
});
