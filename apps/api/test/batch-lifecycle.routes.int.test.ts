import { createBatches } from '@payouts/core';
import type { ApiKeyRole } from '@payouts/db';
import { type InsertedAffiliate, insertAffiliate, makeTestContext, type TestContext } from '@payouts/testing';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiDeps } from '../src/api-deps.ts';
import { apiPrefix } from '../src/app.ts';
import { rowCounts, startTestApi, type TestApi } from './support/api-harness.ts';

describe('batch lifecycle routes: list, preview, cancel', () => {
  let ctx: TestContext;
  let api: TestApi;
  let deps: ApiDeps;
  let app: FastifyInstance;
  const keys: Record<ApiKeyRole, string> = { admin: '', operator: '', scheduler: '' };
  let payableA: InsertedAffiliate;
  let payableB: InsertedAffiliate;
  let belowMinimum: InsertedAffiliate;

  beforeAll(async () => {
    ctx = await makeTestContext();
    api = await startTestApi(ctx);
    ({ app, deps } = api);
    Object.assign(keys, api.keys);
    payableA = await insertAffiliate(ctx.db, { commissions: ['30.00', '25.50', '0.01'] });
    payableB = await insertAffiliate(ctx.db, { commissions: ['100.10', '0.90'] });
    belowMinimum = await insertAffiliate(ctx.db, { commissions: ['49.99'] });
    await insertAffiliate(ctx.db, { commissions: ['100.00'], kyc: 'PENDING' });
    await insertAffiliate(ctx.db, { commissions: ['75.00'], kyc: null });
  });

  afterAll(async () => {
    await api?.close();
    await ctx?.cleanup();
  });

  const call: TestApi['call'] = (...args) => api.call(...args);

  const makeBatches = async (maxBatchSize: number) => {
    const result = await createBatches(
      deps,
      { provider: 'MOCK', minPayout: deps.env.MIN_PAYOUT_USD, maxBatchSize },
      { actor: 'test' },
    );
    return result.batches;
  };

  describe('POST /batches/preview', () => {
    it('needs a key; every role may preview', async () => {
      expect((await call('POST', '/batches/preview', null, {})).status).toBe(401);
      for (const role of ['admin', 'operator', 'scheduler'] as const) {
        expect((await call('POST', '/batches/preview', role, {})).status, role).toBe(200);
      }
    });

    it('rejects a bad body with the field that is wrong, writing nothing', async () => {
      const before = await rowCounts(ctx.db);
      const cases: [unknown, string][] = [
        [{ affiliateIds: [] }, '/affiliateIds'],
        [{ affiliateIds: ['bad id'] }, '/affiliateIds/0'],
        [{ affiliateIds: 'x' }, '/affiliateIds'],
        [{ foo: 1 }, '/'],
      ];
      for (const [body, path] of cases) {
        const answer = await call('POST', '/batches/preview', 'admin', body);
        expect(answer.status, JSON.stringify(body)).toBe(400);
        expect(answer.body.error).toMatchObject({ code: 'VALIDATION_FAILED', message: 'invalid body' });
        expect(answer.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
      }
      expect(await rowCounts(ctx.db)).toEqual(before);
    });

    it('reports everyone with open commissions, exact totals and the plan hash, writing nothing', async () => {
      const before = await rowCounts(ctx.db);
      const { status, body } = await call('POST', '/batches/preview', 'operator', {});
      expect(status).toBe(200);
      expect(body.summary).toEqual({
        totalAffiliates: 5,
        eligibleAffiliates: 2,
        totalAmount: '156.51',
        commissionCount: 5,
        batchCount: 1,
      });
      expect(body.planHash).toMatch(/^[0-9a-f]{64}$/);
      const byId = new Map(body.preview.map((p: { affiliateId: string }) => [p.affiliateId, p]));
      expect(byId.get(payableA.affiliateId)).toEqual({
        affiliateId: payableA.affiliateId,
        commissionCount: 3,
        totalAmount: '55.51',
        eligible: true,
        reason: null,
      });
      expect(byId.get(payableB.affiliateId)).toMatchObject({ totalAmount: '101.00', eligible: true });
      expect(byId.get(belowMinimum.affiliateId)).toMatchObject({
        totalAmount: '49.99',
        eligible: false,
        reason: 'BELOW_MINIMUM',
      });
      const reasons = body.preview.map((p: { reason: string | null }) => p.reason).sort();
      expect(reasons).toEqual(['BELOW_MINIMUM', 'KYC_NOT_APPROVED', 'NO_PAYOUT_ACCOUNT', null, null]);

      const one = await call('POST', '/batches/preview', 'scheduler', { affiliateIds: [payableA.affiliateId] });
      expect(one.body.summary).toEqual({
        totalAffiliates: 1,
        eligibleAffiliates: 1,
        totalAmount: '55.51',
        commissionCount: 3,
        batchCount: 1,
      });
      // No body at all is everyone too.
      const noBody = await app.inject({
        method: 'POST',
        url: `${apiPrefix}/batches/preview`,
        headers: { authorization: `Bearer ${keys.admin}` },
      });
      expect(noBody.statusCode).toBe(200);
      expect(noBody.json().planHash).toBe(body.planHash);
      expect(await rowCounts(ctx.db)).toEqual(before);
    });
  });

  describe('GET /batches and DELETE /batches/:batchId', () => {
    let batchIds: string[] = [];

    beforeAll(async () => {
      // 5 payable commissions, at most 2 per batch: 3 batches.
      batchIds = (await makeBatches(2)).map((b) => b.id);
    });

    it('needs a reading role to list and an admin to cancel', async () => {
      expect((await call('GET', '/batches', null)).status).toBe(401);
      expect((await call('GET', '/batches', 'scheduler')).status).toBe(403);
      expect((await call('GET', '/batches', 'operator')).status).toBe(200);
      const id = batchIds[0];
      expect((await call('DELETE', `/batches/${id}`, null)).status).toBe(401);
      for (const role of ['operator', 'scheduler'] as const) {
        const denied = await call('DELETE', `/batches/${id}`, role);
        expect(denied.status).toBe(403);
        expect(denied.body.error.code).toBe('FORBIDDEN');
      }
      const batch = await ctx.db.paymentBatch.findUniqueOrThrow({ where: { id } });
      expect(batch.status).toBe('PENDING');
    });

    it('rejects a bad query or id', async () => {
      for (const query of ['limit=0', 'limit=201', 'limit=x', 'status=DONE', 'cursor=%2F', 'foo=1']) {
        const answer = await call('GET', `/batches?${query}`);
        expect(answer.status, query).toBe(400);
        expect(answer.body.error).toMatchObject({ code: 'VALIDATION_FAILED', message: 'invalid querystring' });
      }
      const notIssued = await call('GET', '/batches?cursor=bm90LWEtY3Vyc29y');
      expect(notIssued.status).toBe(400);
      expect(notIssued.body.error.details).toContainEqual(
        expect.objectContaining({ path: '/cursor', message: 'cursor is not one this API issued' }),
      );
      const before = await rowCounts(ctx.db);
      const bad = await call('DELETE', '/batches/not%20an%20id');
      expect(bad.status).toBe(400);
      expect(bad.body.error.details[0].message).toMatch(/letters, digits/);
      expect(await rowCounts(ctx.db)).toEqual(before);
    });

    it('lists batches newest first with exact amounts, and pages', async () => {
      const all = await call('GET', '/batches', 'operator');
      expect(all.status).toBe(200);
      expect(all.body.nextCursor).toBeNull();
      expect(all.body.batches).toHaveLength(3);
      const total = all.body.batches.reduce(
        (sum: number, b: { totalAmount: string }) => sum + Math.round(Number(b.totalAmount) * 100),
        0,
      );
      expect(total).toBe(15651);
      for (const batch of all.body.batches) {
        expect(batch).toMatchObject({
          status: 'PENDING',
          provider: 'MOCK',
          totalAmount: expect.stringMatching(/^\d+\.\d\d$/),
        });
      }
      expect(all.body.batches.map((b: { paymentCount: number }) => b.paymentCount).sort()).toEqual([1, 2, 2]);

      const first = await call('GET', '/batches?limit=2');
      expect(first.body.batches).toHaveLength(2);
      const second = await call('GET', `/batches?limit=2&cursor=${first.body.nextCursor}`);
      expect(second.status).toBe(200);
      expect(second.body.batches).toHaveLength(1);
      expect(second.body.nextCursor).toBeNull();
      const ids = [...first.body.batches, ...second.body.batches].map((b: { id: string }) => b.id);
      expect(ids).toEqual(all.body.batches.map((b: { id: string }) => b.id));
      expect([...ids].sort()).toEqual([...batchIds].sort());
    });

    it('cancels a PENDING batch, releasing its commissions, and filters by status', async () => {
      const id = batchIds[0] ?? '';
      const size = (await ctx.db.paymentBatch.findUniqueOrThrow({ where: { id } })).paymentCount;
      const { status, body } = await call('DELETE', `/batches/${id}`);
      expect(status).toBe(200);
      expect(body).toEqual({ batch: { id, status: 'CANCELLED' }, cancelledTransactions: size });
      const transactions = await ctx.db.disbursementTransaction.findMany({ where: { batchId: id } });
      expect(transactions.map((t) => t.status)).toEqual(Array(size).fill('CANCELLED'));
      expect(transactions.every((t) => t.liveCommissionId === null)).toBe(true);
      const audit = await ctx.db.disbursementAuditLog.findMany({ where: { batchId: id, action: 'batch.cancelled' } });
      expect(audit).toHaveLength(1);
      expect(audit[0]?.actor).toMatch(/^api-key:test-admin:/);

      const cancelled = await call('GET', '/batches?status=CANCELLED');
      expect(cancelled.body.batches.map((b: { id: string }) => b.id)).toEqual([id]);
      const pending = await call('GET', '/batches?status=PENDING');
      expect(pending.body.batches).toHaveLength(2);

      // Released: a preview sees those commissions as open again.
      const preview = await call('POST', '/batches/preview', 'admin', {});
      expect(preview.body.summary.commissionCount).toBe(size);
    });

    it('answers 409 for a batch that is cancelled, executing or done, 404 for an unknown one', async () => {
      const [cancelledId, processingId, completedId] = batchIds as [string, string, string];
      await ctx.db.paymentBatch.update({ where: { id: processingId }, data: { status: 'PROCESSING' } });
      await ctx.db.paymentBatch.update({ where: { id: completedId }, data: { status: 'COMPLETED' } });
      const before = await rowCounts(ctx.db);
      for (const [id, state] of [
        [cancelledId, 'CANCELLED'],
        [processingId, 'PROCESSING'],
        [completedId, 'COMPLETED'],
      ] as const) {
        const answer = await call('DELETE', `/batches/${id}`);
        expect(answer.status, state).toBe(409);
        expect(answer.body.error).toMatchObject({ code: 'CONFLICT', details: { status: state } });
      }
      const unknown = await call('DELETE', '/batches/no-such-batch');
      expect(unknown.status).toBe(404);
      expect(unknown.body.error.code).toBe('NOT_FOUND');
      expect(await rowCounts(ctx.db)).toEqual(before);
      const statuses = await ctx.db.disbursementTransaction.groupBy({
        by: ['status'],
        where: { batchId: { in: [processingId, completedId] } },
        _count: true,
      });
      expect(statuses.map((s) => s.status)).toEqual(['PENDING']);
    });
  });

  it('never answers junk with a 5xx, and junk changes nothing', async () => {
    const before = await rowCounts(ctx.db);
    const junk = fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.array(fc.string()), fc.object());
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<'GET' | 'POST' | 'DELETE'>('GET', 'POST', 'DELETE'),
        fc.constantFrom('/batches', '/batches/preview', '/batches/x'),
        fc.string({ maxLength: 40 }),
        fc.string({ maxLength: 40 }),
        junk,
        fc.constantFrom<ApiKeyRole | null>('admin', 'operator', 'scheduler', null),
        async (method, path, key, value, body, role) => {
          const url =
            path === '/batches/x'
              ? `/batches/${encodeURIComponent(key)}?${encodeURIComponent(value)}=1`
              : `${path}?${encodeURIComponent(key)}=${encodeURIComponent(value)}`;
          const answer = await call(
            method,
            url,
            role,
            method === 'GET' ? undefined : { affiliateIds: body, [key]: body },
          );
          expect(answer.status, `${method} ${url}`).toBeLessThan(500);
          expect(answer.body).toBeTypeOf('object');
        },
      ),
      { numRuns: 200 },
    );
    expect(await rowCounts(ctx.db)).toEqual(before);
  });
});
