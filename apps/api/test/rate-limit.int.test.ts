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
        AUTH_FAILURES_PER_MINUTE: '3',
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

  it('counts a key once whatever the header looks like: Bearer in any case, Basic with any user name', async () => {
    const { key } = await createApiKey({ db: ctx.db }, { role: 'operator', name: 'forms' });
    const basic = (user: string) => `Basic ${Buffer.from(`${user}:${key}`).toString('base64')}`;
    const forms = [`Bearer ${key}`, `bearer ${key}`, `BEARER   ${key}`, basic('alice'), basic('bob'), basic('')];
    const statuses = [];
    for (const authorization of forms) {
      statuses.push(
        (await app.inject({ url: '/api/disbursement/jobs/create-x', headers: { authorization } })).statusCode,
      );
    }
    expect(statuses).toEqual([404, 404, 404, 429, 429, 429]);
  });

  it('limits failed authentications per address before looking a key up', async () => {
    const from = (remoteAddress: string, authorization?: string) =>
      app.inject({
        url: '/api/disbursement/batches',
        remoteAddress,
        headers: authorization ? { authorization } : {},
      });
    const guesses = [];
    // Every guess is another key, so another bucket of the per-key limit: only the per-address count stops them.
    for (let i = 0; i < 5; i++) guesses.push((await from('10.0.0.7', `Bearer pyk_${'x'.repeat(42)}${i}`)).statusCode);
    expect(guesses).toEqual([401, 401, 401, 429, 429]);
    const refused = await from('10.0.0.7', 'Bearer nonsense');
    expect(refused.json().error.code).toBe('RATE_LIMITED');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);

    // The check comes before the look-up: from this address even a valid key waits out the minute.
    const { key } = await createApiKey({ db: ctx.db }, { role: 'operator', name: 'same-address' });
    expect((await from('10.0.0.7', `Bearer ${key}`)).statusCode).toBe(429);
    // Other addresses are not affected.
    expect((await from('10.0.0.8', `Bearer ${key}`)).statusCode).toBe(200);
    expect((await from('10.0.0.9')).statusCode).toBe(401);
  });
});
