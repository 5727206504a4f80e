import { QueueName } from '@payouts/queue';
import { type InsertedAffiliate, insertAffiliate, makeTestContext, type TestContext } from '@payouts/testing';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiDeps } from '../src/api-deps.ts';
import { rowCounts, startTestApi, type TestApi } from './support/api-harness.ts';

const base = '/api/disbursement';

describe('riseworks routes', () => {
  let ctx: TestContext;
  let api: TestApi;
  let deps: ApiDeps;
  let app: FastifyInstance;
  const keys = { admin: '', operator: '', scheduler: '' };
  let linked: InsertedAffiliate;
  let unlinked: InsertedAffiliate;
  let unlinkedToo: InsertedAffiliate;

  beforeAll(async () => {
    ctx = await makeTestContext();
    api = await startTestApi(ctx);
    ({ app, deps } = api);
    Object.assign(keys, api.keys);
    linked = await insertAffiliate(ctx.db, { commissions: ['10.00'] });
    await insertAffiliate(ctx.db, { commissions: [], kyc: 'PENDING' });
    unlinked = await insertAffiliate(ctx.db, { commissions: ['12.34'], kyc: null });
    unlinkedToo = await insertAffiliate(ctx.db, { commissions: [], kyc: null });
  });

  afterAll(async () => {
    await api?.close();
    await ctx?.cleanup();
  });

  const call: TestApi['call'] = (...args) => api.call(...args);

  describe('GET /riseworks/accounts', () => {
    it('needs a key of a reading role', async () => {
      expect((await call('GET', '/riseworks/accounts', null)).status).toBe(401);
      expect((await call('GET', '/riseworks/accounts', 'scheduler')).status).toBe(403);
      expect((await call('GET', '/riseworks/accounts', 'operator')).status).toBe(200);
    });

    it('rejects a bad query', async () => {
      for (const query of ['limit=0', 'limit=1.5', 'cursor=', 'x=1']) {
        const answer = await call('GET', `/riseworks/accounts?${query}`);
        expect(answer.status, query).toBe(400);
        expect(answer.body.error).toMatchObject({ code: 'VALIDATION_FAILED', message: 'invalid querystring' });
      }
    });

    it("lists accounts with the affiliate's name and e-mail, newest first, paged", async () => {
      const { status, body } = await call('GET', '/riseworks/accounts');
      expect(status).toBe(200);
      expect(body.accounts).toHaveLength(2);
      expect(body.nextCursor).toBeNull();
      const account = body.accounts.find((a: { riseId: string }) => a.riseId === linked.riseId);
      expect(account).toMatchObject({
        affiliateProfileId: linked.affiliateId,
        kycStatus: 'APPROVED',
        affiliateProfile: {
          fullName: expect.stringMatching(/^Affiliate /),
          user: { email: expect.stringContaining('@example.test') },
        },
      });
      const first = await call('GET', '/riseworks/accounts?limit=1');
      expect(first.body.accounts).toHaveLength(1);
      const second = await call('GET', `/riseworks/accounts?limit=1&cursor=${first.body.nextCursor}`);
      expect(second.body.accounts).toHaveLength(1);
      expect(second.body.nextCursor).toBeNull();
      expect(second.body.accounts[0].id).not.toBe(first.body.accounts[0].id);
    });
  });

  describe('POST /riseworks/accounts', () => {
    const input = () => ({
      affiliateProfileId: unlinked.affiliateId,
      riseId: 'rise_new_1',
      email: 'payee@example.test',
    });

    it('needs an admin key', async () => {
      expect((await call('POST', '/riseworks/accounts', null, input())).status).toBe(401);
      expect((await call('POST', '/riseworks/accounts', 'operator', input())).status).toBe(403);
      expect((await call('POST', '/riseworks/accounts', 'scheduler', input())).status).toBe(403);
    });

    it('rejects invalid bodies with the field at fault, and writes nothing', async () => {
      const before = await rowCounts(ctx.db);
      const cases: [unknown, string][] = [
        [{ ...input(), email: 'not-an-email' }, '/email'],
        [{ ...input(), extra: true }, '/'],
        [{ riseId: 'rise_x', email: 'a@example.test' }, '/affiliateProfileId'],
        [{ ...input(), riseId: '' }, '/riseId'],
        [{ ...input(), affiliateProfileId: 'a b' }, '/affiliateProfileId'],
        [{ ...input(), riseId: 42 }, '/riseId'],
      ];
      for (const [body, path] of cases) {
        const answer = await call('POST', '/riseworks/accounts', 'admin', body);
        expect(answer.status, JSON.stringify(body)).toBe(400);
        expect(answer.body.error).toMatchObject({ code: 'VALIDATION_FAILED', message: 'invalid body' });
        expect(answer.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
      }
      const noBody = await call('POST', '/riseworks/accounts', 'admin');
      expect(noBody.status).toBe(400);
      expect(await rowCounts(ctx.db)).toEqual(before);
    });

    it('answers 404 for an unknown affiliate', async () => {
      const answer = await call('POST', '/riseworks/accounts', 'admin', { ...input(), affiliateProfileId: 'nobody' });
      expect(answer.status).toBe(404);
      expect(answer.body.error.code).toBe('NOT_FOUND');
    });

    it('creates a PENDING account with its audit row; a second one for the affiliate or the riseId is 409', async () => {
      const { status, body } = await call('POST', '/riseworks/accounts', 'admin', input());
      expect(status).toBe(201);
      expect(body.account).toMatchObject({ ...input(), kycStatus: 'PENDING', id: expect.any(String) });
      const audit = await ctx.db.disbursementAuditLog.findMany({ where: { action: 'payout_account.created' } });
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({
        status: 'SUCCESS',
        actor: expect.stringMatching(/^api-key:test-admin:/),
        details: { accountId: body.account.id, riseId: 'rise_new_1' },
      });

      const sameAffiliate = await call('POST', '/riseworks/accounts', 'admin', { ...input(), riseId: 'rise_new_2' });
      expect(sameAffiliate.status).toBe(409);
      expect(sameAffiliate.body.error).toMatchObject({ code: 'CONFLICT', details: { field: 'affiliateProfileId' } });
      const sameRiseId = await call('POST', '/riseworks/accounts', 'admin', {
        ...input(),
        affiliateProfileId: unlinkedToo.affiliateId,
      });
      expect(sameRiseId.status).toBe(409);
      expect(sameRiseId.body.error).toMatchObject({ code: 'CONFLICT', details: { field: 'riseId' } });
      expect(await ctx.db.disbursementAuditLog.count({ where: { action: 'payout_account.created' } })).toBe(1);
    });

    it('lets one of concurrent creations for an affiliate win, and answers 409 to the others', async () => {
      const answers = await Promise.all(
        [1, 2, 3, 4].map((n) =>
          call('POST', '/riseworks/accounts', 'admin', {
            affiliateProfileId: unlinkedToo.affiliateId,
            riseId: `rise_race_${n}`,
            email: `race${n}@example.test`,
          }),
        ),
      );
      expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409, 409]);
      expect(await ctx.db.affiliateRiseAccount.count({ where: { affiliateProfileId: unlinkedToo.affiliateId } })).toBe(
        1,
      );
    });
  });

  describe('POST /riseworks/sync', () => {
    it('needs an admin or scheduler key', async () => {
      expect((await call('POST', '/riseworks/sync', null)).status).toBe(401);
      expect((await call('POST', '/riseworks/sync', 'operator')).status).toBe(403);
    });

    it('rejects a body with fields', async () => {
      const answer = await call('POST', '/riseworks/sync', 'admin', { all: true });
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe('VALIDATION_FAILED');
    });

    it('answers the same job to the same Idempotency-Key', async () => {
      const send = () =>
        app.inject({
          method: 'POST',
          url: `${base}/riseworks/sync`,
          headers: { authorization: `Bearer ${keys.scheduler}`, 'idempotency-key': 'sync-once' },
        });
      const first = await send();
      expect(first.statusCode).toBe(202);
      const second = await send();
      expect(second.headers['idempotent-replayed']).toBe('true');
      expect(second.json()).toEqual(first.json());
    });

    it('enqueues an account-sync job on the maintenance queue and answers 202', async () => {
      for (const role of ['admin', 'scheduler'] as const) {
        const { status, body } = await call('POST', '/riseworks/sync', role);
        expect(status).toBe(202);
        expect(body.jobId).toMatch(/^account-sync-[0-9a-f-]{36}$/);
        const job = await deps.queues[QueueName.maintenance].getJob(body.jobId);
        expect(job?.name).toBe('account-sync');
        // The job carries nothing; who asked is recorded in Postgres and read from there by the worker.
        expect(job?.data).toEqual({});
        const recorded = await ctx.db.jobRequest.findUnique({ where: { id: body.jobId } });
        expect(recorded?.actor).toMatch(new RegExp(`^api-key:test-${role}:`));
      }
    });
  });

  it('never answers 5xx nor changes the database, whatever junk it is sent', async () => {
    const before = await rowCounts(ctx.db);
    let syncsAccepted = 0;
    const query = fc.dictionary(fc.oneof(fc.string(), fc.constantFrom('limit', 'cursor')), fc.string(), {
      maxKeys: 4,
    });
    const accountLike = fc
      .record(
        {
          affiliateProfileId: fc.oneof(fc.string(), fc.constantFrom('nobody', unlinked.affiliateId), fc.jsonValue()),
          riseId: fc.oneof(fc.string(), fc.jsonValue()),
          email: fc.oneof(fc.emailAddress(), fc.string(), fc.jsonValue()),
        },
        { requiredKeys: [] },
      )
      .map((v) => JSON.stringify(v));
    const body = fc.oneof(
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.string(),
      accountLike,
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('list', 'create', 'sync'), query, body, async (route, queryFields, payload) => {
        const search = new URLSearchParams(queryFields).toString();
        const path = route === 'sync' ? '/riseworks/sync' : '/riseworks/accounts';
        const response = await app.inject({
          method: route === 'list' ? 'GET' : 'POST',
          url: `${base}${path}${search ? `?${search}` : ''}`,
          headers: { authorization: `Bearer ${keys.admin}`, 'content-type': 'application/json' },
          ...(route === 'list' ? {} : { payload }),
        });
        expect(response.statusCode, `${route} ?${search} ${payload}: ${response.body}`).toBeLessThan(500);
        expect(() => response.json()).not.toThrow();
        if (route === 'sync' && response.statusCode === 202) syncsAccepted++;
      }),
      { numRuns: 300 },
    );
    // unlinked already has an account, so even a well-formed body for it creates nothing; a sync that was
    // accepted (an empty body is a valid one) records its request, and nothing else.
    expect(await rowCounts(ctx.db)).toEqual({ ...before, JobRequest: (before.JobRequest ?? 0) + syncsAccepted });
  });
});
