import { parseEnv } from '@payouts/config';
import { createApiKey } from '@payouts/core';
import { makeTestContext, type TestContext } from '@payouts/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeApiDeps, makeApiDeps } from '../src/api-deps.ts';
import { buildApp } from '../src/app.ts';

describe('rate limits per API key', () => {
  let ctx: TestContext;
  let app: FastifyInstance;
  let deps: ReturnType<typeof makeApiDeps>;

  beforeAll(async () => {
    ctx = await makeTestContext();
    deps = makeApiDeps(
      parseEnv({
        DATABASE_URL: ctx.databaseUrl,
        REDIS_URL: ctx.redisUrl,
        QUEUE_PREFIX: ctx.queuePrefix,
        RATE_LIMIT_PER_MINUTE: '3',
      }),
    );
    app = await buildApp(deps);
  });
  afterAll(async () => {
    await app?.close();
    if (deps) await closeApiDeps(deps);
    await ctx?.cleanup();
  });

  it('answers 429 RATE_LIMITED past the limit, per key, and never limits the health checks', async () => {
    const [a, b] = await Promise.all([
      createApiKey({ db: ctx.db }, { role: 'operator', name: 'a' }),
      createApiKey({ db: ctx.db }, { role: 'operator', name: 'b' }),
    ]);
    const get = (key: string) =>
      app.inject({ url: '/api/disbursement/jobs/create-x', headers: { authorization: `Bearer ${key}` } });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await get(a.key)).statusCode);
    expect(statuses).toEqual([404, 404, 404, 429]);
    const limited = await get(a.key);
    expect(limited.json().error.code).toBe('RATE_LIMITED');
    expect((await get(b.key)).statusCode).toBe(404);
    for (let i = 0; i < 5; i++) expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
  });
});
