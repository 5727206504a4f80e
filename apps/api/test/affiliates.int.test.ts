import { executeJobId, QueueName } from '@payouts/queue';
import { type InsertedAffiliate, insertAffiliate, makeTestContext, type TestContext } from '@payouts/testing';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiDeps } from '../src/api-deps.ts';
import { rowCounts, startTestApi, type TestApi } from './support/api-harness.ts';

const base = '/api/disbursement';

describe('affiliates routes', () => {
  let ctx: TestContext;
  let api: TestApi;
  let deps: ApiDeps;
  let app: FastifyInstance;
  const keys = { admin: '', operator: '', scheduler: '' };
  let payable: InsertedAffiliate;
  let belowMinimum: InsertedAffiliate;
  let kycPending: InsertedAffiliate;
  let noAccount: InsertedAffiliate;

  beforeAll(async () => {
    ctx = await makeTestContext();
    api = await startTestApi(ctx);
    ({ app, deps } = api);
    Object.assign(keys, api.keys);
    payable = await insertAffiliate(ctx.db, { commissions: ['30.00', '25.50', '0.01'] });
    belowMinimum = await insertAffiliate(ctx.db, { commissions: ['49.99'] });
    kycPending = await insertAffiliate(ctx.db, { commissions: ['100.00'], kyc: 'PENDING' });
    noAccount = await insertAffiliate(ctx.db, { commissions: ['75.00'], kyc: null });
    // Already paid, or not approved yet: nobody owes these.
    await insertAffiliate(ctx.db, { commissions: ['500.00'], commissionStatus: 'PAID' });
    await insertAffiliate(ctx.db, { commissions: ['500.00'], commissionStatus: 'PENDING' });
  });

  afterAll(async () => {
    await api?.close();
    await ctx?.cleanup();
  });

  const call: TestApi['call'] = (...args) => api.call(...args);

  describe('GET /affiliates/payable', () => {
    it('needs a key of a reading role', async () => {
      expect((await call('GET', '/affiliates/payable', null)).status).toBe(401);
      const denied = await call('GET', '/affiliates/payable', 'scheduler');
      expect(denied.status).toBe(403);
      expect(denied.body.error.code).toBe('FORBIDDEN');
      expect((await call('GET', '/affiliates/payable', 'operator')).status).toBe(200);
    });

    it('rejects a bad limit, cursor or unknown query field', async () => {
      for (const query of ['limit=0', 'limit=201', 'limit=abc', 'cursor=%2F%2F', 'foo=1']) {
        const answer = await call('GET', `/affiliates/payable?${query}`);
        expect(answer.status, query).toBe(400);
        expect(answer.body.error.code).toBe('VALIDATION_FAILED');
        expect(answer.body.error.message).toBe('invalid querystring');
      }
      const notIssued = await call('GET', '/affiliates/payable?cursor=bm90LWEtY3Vyc29y');
      expect(notIssued.status).toBe(400);
      expect(notIssued.body.error.details).toContainEqual(
        expect.objectContaining({ path: '/cursor', message: 'cursor is not one this API issued' }),
      );
    });

    it('reports everyone with open commissions, with exact amounts and reasons', async () => {
      const { status, body } = await call('GET', '/affiliates/payable');
      expect(status).toBe(200);
      expect(body.summary).toEqual({ totalAffiliates: 4, totalPendingAmount: '280.50', readyForPayout: 1 });
      expect(body.nextCursor).toBeNull();
      const byId = new Map(body.affiliates.map((a: { id: string }) => [a.id, a]));
      expect(byId.size).toBe(4);
      expect(byId.get(payable.affiliateId)).toEqual({
        id: payable.affiliateId,
        fullName: expect.any(String),
        email: expect.stringContaining('@example.test'),
        country: 'US',
        pendingAmount: '55.51',
        paidAmount: '0.00',
        pendingCommissionCount: 3,
        oldestPendingDate: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        readyForPayout: true,
        reason: null,
        riseAccount: {
          hasAccount: true,
          riseId: payable.riseId,
          kycStatus: 'APPROVED',
          canReceivePayments: true,
        },
      });
      expect(byId.get(belowMinimum.affiliateId)).toMatchObject({
        pendingAmount: '49.99',
        readyForPayout: false,
        reason: 'BELOW_MINIMUM',
      });
      expect(byId.get(kycPending.affiliateId)).toMatchObject({
        pendingAmount: '100.00',
        reason: 'KYC_NOT_APPROVED',
        riseAccount: { hasAccount: true, kycStatus: 'PENDING', canReceivePayments: false },
      });
      expect(byId.get(noAccount.affiliateId)).toMatchObject({
        pendingAmount: '75.00',
        reason: 'NO_PAYOUT_ACCOUNT',
        riseAccount: { hasAccount: false, riseId: null, kycStatus: null, canReceivePayments: false },
      });
    });

    it('pages with limit and cursor, the summary always over everyone', async () => {
      const first = await call('GET', '/affiliates/payable?limit=3');
      expect(first.body.affiliates).toHaveLength(3);
      expect(first.body.summary.totalAffiliates).toBe(4);
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const second = await call('GET', `/affiliates/payable?limit=3&cursor=${first.body.nextCursor}`);
      expect(second.status).toBe(200);
      expect(second.body.affiliates).toHaveLength(1);
      expect(second.body.nextCursor).toBeNull();
      const ids = [...first.body.affiliates, ...second.body.affiliates].map((a: { id: string }) => a.id);
      expect(new Set(ids).size).toBe(4);
    });
  });

  describe('GET /affiliates/:affiliateId', () => {
    it('needs a key of a reading role', async () => {
      expect((await call('GET', `/affiliates/${payable.affiliateId}`, null)).status).toBe(401);
      expect((await call('GET', `/affiliates/${payable.affiliateId}`, 'scheduler')).status).toBe(403);
      expect((await call('GET', `/affiliates/${payable.affiliateId}`, 'operator')).status).toBe(200);
    });

    it('rejects a malformed id and answers 404 for an unknown one', async () => {
      const bad = await call('GET', '/affiliates/not%20an%20id');
      expect(bad.status).toBe(400);
      expect(bad.body.error).toMatchObject({ code: 'VALIDATION_FAILED', message: 'invalid params' });
      expect(bad.body.error.details[0].message).toMatch(/letters, digits/);
      const unknown = await call('GET', '/affiliates/no-such-affiliate');
      expect(unknown.status).toBe(404);
      expect(unknown.body.error.code).toBe('NOT_FOUND');
    });

    it('shows the affiliate, its payout account and open commissions with exact amounts', async () => {
      const { status, body } = await call('GET', `/affiliates/${payable.affiliateId}`);
      expect(status).toBe(200);
      expect(body.affiliate).toMatchObject({
        id: payable.affiliateId,
        country: 'US',
        totalPending: '55.51',
        totalPaid: '0.00',
        riseAccount: { riseId: payable.riseId, kycStatus: 'APPROVED' },
      });
      const amounts = body.affiliate.pendingCommissions.map((c: { commissionAmount: string }) => c.commissionAmount);
      expect(amounts.sort()).toEqual(['0.01', '25.50', '30.00']);
      const none = await call('GET', `/affiliates/${noAccount.affiliateId}`);
      expect(none.body.affiliate.riseAccount).toBeNull();
    });
  });

  describe('GET /affiliates/:affiliateId/commissions', () => {
    it('needs a key of a reading role', async () => {
      const url = `/affiliates/${payable.affiliateId}/commissions`;
      expect((await call('GET', url, null)).status).toBe(401);
      expect((await call('GET', url, 'scheduler')).status).toBe(403);
      expect((await call('GET', url, 'operator')).status).toBe(200);
    });

    it('rejects bad params and query, and answers 404 for an unknown affiliate', async () => {
      expect((await call('GET', '/affiliates/x%24/commissions')).status).toBe(400);
      const badQuery = await call('GET', `/affiliates/${payable.affiliateId}/commissions?limit=-1`);
      expect(badQuery.status).toBe(400);
      expect(badQuery.body.error.details[0]).toMatchObject({ in: 'querystring', path: '/limit' });
      expect((await call('GET', '/affiliates/nobody/commissions')).status).toBe(404);
    });

    it('lists open commissions with their code, an exact summary, and pages', async () => {
      const { status, body } = await call('GET', `/affiliates/${payable.affiliateId}/commissions`);
      expect(status).toBe(200);
      expect(body.summary).toEqual({ count: 3, totalAmount: '55.51' });
      expect(body.commissions).toHaveLength(3);
      for (const commission of body.commissions) {
        expect(commission).toMatchObject({
          affiliateProfileId: payable.affiliateId,
          status: 'APPROVED',
          affiliateCode: { code: expect.stringMatching(/^CODE-/) },
          commissionAmount: expect.stringMatching(/^\d+\.\d\d$/),
          grossRevenue: expect.stringMatching(/^\d+\.\d\d$/),
        });
      }
      const first = await call('GET', `/affiliates/${payable.affiliateId}/commissions?limit=2`);
      expect(first.body.commissions).toHaveLength(2);
      expect(first.body.summary).toEqual({ count: 3, totalAmount: '55.51' });
      const second = await call(
        'GET',
        `/affiliates/${payable.affiliateId}/commissions?limit=2&cursor=${first.body.nextCursor}`,
      );
      expect(second.body.commissions).toHaveLength(1);
      expect(second.body.nextCursor).toBeNull();
      const ids = [...first.body.commissions, ...second.body.commissions].map((c: { id: string }) => c.id);
      expect(ids.sort()).toEqual([...payable.commissionIds].sort());
    });
  });

  describe('POST /affiliates/:affiliateId/payout', () => {
    it('needs an admin or scheduler key', async () => {
      const url = `/affiliates/${payable.affiliateId}/payout`;
      expect((await call('POST', url, null, {})).status).toBe(401);
      expect((await call('POST', url, 'operator', {})).status).toBe(403);
    });

    it('rejects bad bodies and params, and changes nothing', async () => {
      const before = await rowCounts(ctx.db);
      const url = `/affiliates/${payable.affiliateId}/payout`;
      for (const body of [{ execute: 'yes' }, { execute: true, extra: 1 }, [], ['x'], { execute: null }]) {
        const answer = await call('POST', url, 'admin', body);
        expect(answer.status, JSON.stringify(body)).toBe(400);
        expect(answer.body.error.code).toBe('VALIDATION_FAILED');
      }
      expect((await call('POST', '/affiliates/a.b/payout', 'admin', {})).status).toBe(400);
      expect(await rowCounts(ctx.db)).toEqual(before);
    });

    it('answers 404 for an unknown affiliate and 422 with the reason for one not payable', async () => {
      const before = await rowCounts(ctx.db);
      expect((await call('POST', '/affiliates/nobody/payout', 'admin', {})).status).toBe(404);
      for (const [who, reason] of [
        [belowMinimum, 'BELOW_MINIMUM'],
        [kycPending, 'KYC_NOT_APPROVED'],
        [noAccount, 'NO_PAYOUT_ACCOUNT'],
      ] as const) {
        const answer = await call('POST', `/affiliates/${who.affiliateId}/payout`, 'admin', {});
        expect(answer.status).toBe(422);
        expect(answer.body.error).toMatchObject({ code: 'NO_PAYABLE_AFFILIATES', details: { reason } });
      }
      expect(await rowCounts(ctx.db)).toEqual(before);
    });

    it('creates a batch for one affiliate; its commissions are no longer open', async () => {
      const { status, body } = await call('POST', `/affiliates/${payable.affiliateId}/payout`, 'scheduler');
      expect(status, JSON.stringify(body)).toBe(201);
      expect(body.batch).toMatchObject({ paymentCount: 3, totalAmount: '55.51' });
      expect(body.jobId).toBeUndefined();
      const batch = await ctx.db.paymentBatch.findUniqueOrThrow({ where: { id: body.batch.id } });
      expect(batch.status).toBe('PENDING');
      expect(batch.totalAmount.toFixed(2)).toBe('55.51');

      const open = await call('GET', `/affiliates/${payable.affiliateId}/commissions`);
      expect(open.body).toMatchObject({ commissions: [], summary: { count: 0, totalAmount: '0.00' } });
      const again = await call('POST', `/affiliates/${payable.affiliateId}/payout`, 'admin', {});
      expect(again.status).toBe(422);
      const payableNow = await call('GET', '/affiliates/payable');
      expect(payableNow.body.summary).toEqual({ totalAffiliates: 3, totalPendingAmount: '224.99', readyForPayout: 0 });
    });

    it('with the same Idempotency-Key answers the same batch again, without a second one', async () => {
      const another = await insertAffiliate(ctx.db, { commissions: ['70.00'] });
      const send = () =>
        app.inject({
          method: 'POST',
          url: `${base}/affiliates/${another.affiliateId}/payout`,
          headers: { authorization: `Bearer ${keys.admin}`, 'idempotency-key': `payout-${another.affiliateId}` },
          payload: {},
        });
      const first = await send();
      expect(first.statusCode).toBe(201);
      const second = await send();
      expect(second.statusCode).toBe(201);
      expect(second.headers['idempotent-replayed']).toBe('true');
      expect(second.json()).toEqual(first.json());
      expect(await ctx.db.disbursementTransaction.count({ where: { affiliateProfileId: another.affiliateId } })).toBe(
        1,
      );
    });

    it('with execute, queues the batch and enqueues its execute job', async () => {
      const another = await insertAffiliate(ctx.db, { commissions: ['60.00', '0.05'] });
      const { status, body } = await call('POST', `/affiliates/${another.affiliateId}/payout`, 'admin', {
        execute: true,
      });
      expect(status).toBe(201);
      expect(body.batch).toMatchObject({ paymentCount: 2, totalAmount: '60.05' });
      expect(body.jobId).toBe(executeJobId(body.batch.id));
      const batch = await ctx.db.paymentBatch.findUniqueOrThrow({ where: { id: body.batch.id } });
      expect(batch.status).toBe('QUEUED');
      const job = await deps.queues[QueueName.executeBatch].getJob(body.jobId);
      expect(job?.data).toMatchObject({ batchId: body.batch.id });
    });
  });

  it('never answers 5xx nor changes the database, whatever junk it is sent', async () => {
    const before = await rowCounts(ctx.db);
    const executeJobsBefore = await deps.queues[QueueName.executeBatch].count();
    const segment = fc.oneof(fc.string(), fc.constantFrom('payable', 'nobody', '..', '%', '%00', ''));
    const query = fc.dictionary(fc.oneof(fc.string(), fc.constantFrom('limit', 'cursor')), fc.string(), {
      maxKeys: 4,
    });
    const body = fc.oneof(
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.string(),
      fc.record({ execute: fc.jsonValue() }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('payable', 'details', 'commissions', 'payout'),
        segment,
        query,
        body,
        async (route, id, queryFields, payload) => {
          const idPath = encodeURIComponent(id);
          const search = new URLSearchParams(queryFields).toString();
          const path =
            route === 'payable'
              ? '/affiliates/payable'
              : route === 'details'
                ? `/affiliates/${idPath}`
                : route === 'commissions'
                  ? `/affiliates/${idPath}/commissions`
                  : `/affiliates/${idPath}/payout`;
          const response = await app.inject({
            method: route === 'payout' ? 'POST' : 'GET',
            url: `${base}${path}${search ? `?${search}` : ''}`,
            headers: { authorization: `Bearer ${keys.admin}`, 'content-type': 'application/json' },
            ...(route === 'payout' ? { payload } : {}),
          });
          expect(response.statusCode, `${route} ${path}?${search} ${payload}: ${response.body}`).toBeLessThan(500);
          expect(() => response.json()).not.toThrow();
        },
      ),
      { numRuns: 300 },
    );
    expect(await rowCounts(ctx.db)).toEqual(before);
    expect(await deps.queues[QueueName.executeBatch].count()).toBe(executeJobsBefore);
  });
});
