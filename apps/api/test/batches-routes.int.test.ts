import { createBatches } from '@payouts/core';
import { insertAffiliate, makeTestContext, type TestContext } from '@payouts/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowCounts, startTestApi, type TestApi } from './support/api-harness.ts';

// Auth, roles and validation of the batch and job routes (their happy paths: walking-skeleton,
// execute-once and idempotency-key tests).
describe('batch and job routes refuse what they must, and change nothing when they do', () => {
  let ctx: TestContext;
  let api: TestApi;
  let batchId: string;

  beforeAll(async () => {
    ctx = await makeTestContext();
    api = await startTestApi(ctx);
    await insertAffiliate(ctx.db, { commissions: ['60.00'] });
    const created = await createBatches(
      { db: ctx.db },
      { provider: 'MOCK', minPayout: '50.00', maxBatchSize: 500 },
      { actor: 'test' },
    );
    batchId = created.batches[0]?.id ?? '';
  });
  afterAll(async () => {
    await api?.close();
    await ctx?.cleanup();
  });

  const call = (method: 'GET' | 'POST', url: string, key: string | null, payload?: unknown) =>
    api.app.inject({
      method,
      url: `/api/disbursement${url}`,
      headers: key ? { authorization: `Bearer ${key}` } : {},
      ...(payload === undefined ? {} : { payload: payload as object }),
    });

  const routes = () => [
    { method: 'POST' as const, url: '/batches', allowed: 'scheduler', denied: 'operator', payload: {} },
    { method: 'GET' as const, url: `/batches/${batchId}`, allowed: 'operator', denied: 'scheduler' },
    { method: 'POST' as const, url: `/batches/${batchId}/execute?wait=abc`, allowed: 'admin', denied: 'operator' },
    { method: 'GET' as const, url: '/jobs/create-unknown', allowed: 'scheduler', denied: null },
  ];

  it('answers 401 without a valid key and 403 for a role that may not', async () => {
    for (const route of routes()) {
      expect((await call(route.method, route.url, null, route.payload)).statusCode, route.url).toBe(401);
      expect((await call(route.method, route.url, 'pyk_wrong', route.payload)).statusCode, route.url).toBe(401);
      if (route.denied) {
        const denied = await call(route.method, route.url, api.keys[route.denied as 'operator'], route.payload);
        expect(denied.statusCode, route.url).toBe(403);
        expect(denied.json().error.code).toBe('FORBIDDEN');
      }
    }
  });

  it('answers 400 with the field at fault for bad params, query and body', async () => {
    const cases = [
      { method: 'POST' as const, url: '/batches', payload: { affiliateIds: [] }, field: '/affiliateIds' },
      { method: 'POST' as const, url: '/batches', payload: { currency: 'EUR' }, field: '/' },
      { method: 'POST' as const, url: '/batches', payload: { provider: 'PAYPAL' }, field: '/provider' },
      { method: 'POST' as const, url: '/batches', payload: { planHash: 'abc' }, field: '/planHash' },
      { method: 'POST' as const, url: '/batches?wait=9999', payload: {}, field: '/wait' },
      { method: 'POST' as const, url: `/batches/${batchId}/execute?wait=-1`, field: '/wait' },
      { method: 'GET' as const, url: '/batches/bad%20id', field: '/batchId' },
      { method: 'GET' as const, url: '/jobs/a:b', field: '/jobId' },
    ];
    const before = await rowCounts(ctx.db);
    for (const c of cases) {
      const answer = await call(c.method, c.url, api.keys.admin, c.payload);
      expect(answer.statusCode, c.url).toBe(400);
      const body = answer.json();
      expect(body.error.code).toBe('VALIDATION_FAILED');
      expect(
        body.error.details.map((d: { path: string }) => d.path),
        c.url,
      ).toContain(c.field);
    }
    expect(await rowCounts(ctx.db)).toEqual(before);
  });

  it('never answers generated junk with a 5xx, and junk changes nothing', async () => {
    const before = await rowCounts(ctx.db);
    const junk = fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.array(fc.string()), fc.object());
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/batches', `/batches/${batchId}/execute`, '/jobs/x'),
        fc.string({ maxLength: 40 }),
        junk,
        async (path, segment, body) => {
          const url =
            path === '/jobs/x' ? `/jobs/${encodeURIComponent(segment)}` : `${path}?${encodeURIComponent(segment)}=1`;
          const answer = await call(
            path === '/jobs/x' ? 'GET' : 'POST',
            url,
            api.keys.admin,
            path === '/jobs/x' ? undefined : { junk: body },
          );
          expect(answer.statusCode).toBeLessThan(500);
        },
      ),
      { numRuns: 150 },
    );
    expect(await rowCounts(ctx.db)).toEqual(before);
  });

  it('lets admins and operators into Bull Board, and no one else', async () => {
    const board = (key: string | null) =>
      api.app.inject({ url: '/admin/queues', headers: key ? { authorization: `Bearer ${key}` } : {} });
    expect((await board(api.keys.admin)).statusCode).toBe(200);
    expect((await board(api.keys.operator)).statusCode).toBe(200);
    expect((await board(api.keys.scheduler)).statusCode).toBe(403);
    expect((await board(null)).statusCode).toBe(401);
  });

  it('refuses a body over 1 MiB with 413, in the error shape', async () => {
    const huge = { affiliateIds: ['x'.repeat(1_100_000)] };
    const answer = await call('POST', '/batches', api.keys.admin, huge);
    expect(answer.statusCode).toBe(413);
    expect(answer.json().error.code).toBe('PAYLOAD_TOO_LARGE');
  });
});
