import { createBatches } from '@payouts/core';
import type { ApiKeyRole } from '@payouts/db';
import { insertAffiliate, makeTestContext, type TestContext } from '@payouts/testing';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiDeps } from '../src/api-deps.ts';
import { apiPrefix } from '../src/app.ts';
import { type Answer, rowCounts, startTestApi, type TestApi } from './support/api-harness.ts';

describe('GET /audit-logs', () => {
  let ctx: TestContext;
  let api: TestApi;
  let deps: ApiDeps;
  let app: FastifyInstance;
  const keys: Record<ApiKeyRole, string> = { admin: '', operator: '', scheduler: '' };
  let batchId: string;
  let transactionId: string;
  let commissionId: string;
  const ids = { a1: '', a2: '', a3: '' };

  beforeAll(async () => {
    ctx = await makeTestContext();
    api = await startTestApi(ctx);
    ({ app, deps } = api);
    Object.assign(keys, api.keys);
    await insertAffiliate(ctx.db, { commissions: ['60.00', '12.34'] });
    const created = await createBatches(
      deps,
      { provider: 'MOCK', minPayout: deps.env.MIN_PAYOUT_USD, maxBatchSize: 100 },
      { actor: 'test-creator' },
    );
    batchId = created.batches[0]?.id ?? '';
    const tx = await ctx.db.disbursementTransaction.findFirstOrThrow({ where: { batchId } });
    transactionId = tx.id;
    commissionId = tx.commissionId;
    const row = async (data: Parameters<typeof ctx.db.disbursementAuditLog.create>[0]['data']) =>
      (await ctx.db.disbursementAuditLog.create({ data })).id;
    ids.a1 = await row({
      action: 'test.alpha',
      status: 'INFO',
      actor: 'alice',
      batchId,
      createdAt: new Date('2026-01-01T00:00:00Z'),
      details: { amount: '12.34' },
    });
    ids.a2 = await row({
      action: 'test.alpha',
      status: 'INFO',
      actor: 'bob',
      createdAt: new Date('2026-01-02T00:00:00Z'),
    });
    ids.a3 = await row({
      action: 'test.beta',
      status: 'WARNING',
      actor: 'alice',
      transactionId,
      commissionId,
      createdAt: new Date('2026-01-03T00:00:00Z'),
    });
  });

  afterAll(async () => {
    await api?.close();
    await ctx?.cleanup();
  });

  async function call(url: string, role: ApiKeyRole | null = 'admin'): Promise<Answer> {
    const response = await app.inject({
      method: 'GET',
      url: `${apiPrefix}${url}`,
      headers: role ? { authorization: `Bearer ${keys[role]}` } : {},
    });
    return { status: response.statusCode, body: response.json() };
  }
  const idsOf = (answer: Answer) => answer.body.auditLogs.map((l: { id: string }) => l.id);

  it('needs an admin or operator key', async () => {
    expect((await call('/audit-logs', null)).status).toBe(401);
    const denied = await call('/audit-logs', 'scheduler');
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('FORBIDDEN');
    expect((await call('/audit-logs', 'operator')).status).toBe(200);
  });

  it('rejects bad filters and paging with the field that is wrong', async () => {
    const cases: [string, string][] = [
      ['limit=0', '/limit'],
      ['limit=201', '/limit'],
      ['from=yesterday', '/from'],
      ['to=2026-13-01T00:00:00Z', '/to'],
      ['batchId=a%20b', '/batchId'],
      ['action=a%20b', '/action'],
      ['cursor=%2F', '/cursor'],
      ['from=2026-01-03T00:00:00Z&to=2026-01-01T00:00:00Z', '/from'],
    ];
    for (const [query, path] of cases) {
      const answer = await call(`/audit-logs?${query}`);
      expect(answer.status, query).toBe(400);
      expect(answer.body.error).toMatchObject({ code: 'VALIDATION_FAILED', message: 'invalid querystring' });
      expect(
        answer.body.error.details.map((d: { path: string }) => d.path),
        query,
      ).toContain(path);
    }
    const unknown = await call('/audit-logs?foo=1');
    expect(unknown.status).toBe(400);
    const notIssued = await call('/audit-logs?cursor=bm90LWEtY3Vyc29y');
    expect(notIssued.status).toBe(400);
    expect(notIssued.body.error.details).toContainEqual(
      expect.objectContaining({ path: '/cursor', message: 'cursor is not one this API issued' }),
    );
  });

  it('filters by action, actor, batch, transaction and commission, newest first', async () => {
    const alpha = await call('/audit-logs?action=test.alpha', 'operator');
    expect(alpha.status).toBe(200);
    expect(idsOf(alpha)).toEqual([ids.a2, ids.a1]);
    expect(alpha.body.auditLogs[1]).toMatchObject({
      id: ids.a1,
      action: 'test.alpha',
      status: 'INFO',
      actor: 'alice',
      batchId,
      details: { amount: '12.34' },
      createdAt: '2026-01-01T00:00:00.000Z',
    });
    expect(idsOf(await call('/audit-logs?action=test.alpha&actor=alice'))).toEqual([ids.a1]);
    expect(idsOf(await call('/audit-logs?actor=alice'))).toEqual([ids.a3, ids.a1]);

    const byBatch = await call(`/audit-logs?batchId=${batchId}`);
    expect(idsOf(byBatch)).toContain(ids.a1);
    expect(byBatch.body.auditLogs.every((l: { batchId: string }) => l.batchId === batchId)).toBe(true);
    expect(byBatch.body.auditLogs.map((l: { action: string }) => l.action)).toContain('batch.created');

    const byTransaction = await call(`/audit-logs?transactionId=${transactionId}`);
    expect(idsOf(byTransaction).at(-1)).toBe(ids.a3);
    expect(
      byTransaction.body.auditLogs.every((l: { transactionId: string }) => l.transactionId === transactionId),
    ).toBe(true);
    const byCommission = await call(`/audit-logs?commissionId=${commissionId}&action=test.beta`);
    expect(idsOf(byCommission)).toEqual([ids.a3]);
    expect((await call('/audit-logs?batchId=no-such-batch')).body).toEqual({ auditLogs: [], nextCursor: null });
  });

  it('filters by time: from inclusive, to exclusive', async () => {
    expect(idsOf(await call('/audit-logs?from=2026-01-02T00:00:00Z&to=2026-01-03T00:00:00Z'))).toEqual([ids.a2]);
    expect(idsOf(await call('/audit-logs?to=2026-01-02T00:00:00%2B00:00'))).toEqual([ids.a1]);
    const since = await call('/audit-logs?from=2026-01-02T01:00:00%2B01:00&action=test.beta');
    expect(idsOf(since)).toEqual([ids.a3]);
  });

  it('pages with limit and cursor', async () => {
    const first = await call('/audit-logs?action=test.alpha&limit=1');
    expect(idsOf(first)).toEqual([ids.a2]);
    const second = await call(`/audit-logs?action=test.alpha&limit=1&cursor=${first.body.nextCursor}`);
    expect(idsOf(second)).toEqual([ids.a1]);
    expect(second.body.nextCursor).toBeNull();
    const all = await call('/audit-logs?limit=200');
    const total = await ctx.db.disbursementAuditLog.count();
    expect(all.body.auditLogs).toHaveLength(total);
  });

  it('never answers junk with a 5xx, and changes nothing', async () => {
    const before = await rowCounts(ctx.db);
    const field = fc.constantFrom(
      'limit',
      'cursor',
      'batchId',
      'transactionId',
      'commissionId',
      'action',
      'actor',
      'from',
      'to',
      'x',
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(field, fc.string({ maxLength: 60 })), { maxLength: 4 }),
        fc.constantFrom<ApiKeyRole | null>('admin', 'operator', 'scheduler', null),
        async (pairs, role) => {
          const query = pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
          const answer = await call(`/audit-logs?${query}`, role);
          expect(answer.status, query).toBeLessThan(500);
        },
      ),
      { numRuns: 200 },
    );
    expect(await rowCounts(ctx.db)).toEqual(before);
  });
});
