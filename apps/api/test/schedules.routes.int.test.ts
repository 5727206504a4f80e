import type { ApiKeyRole } from '@payouts/db';
import { makeTestContext, type TestContext } from '@payouts/testing';
import type { Queue } from 'bullmq';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiDeps } from '../src/api-deps.ts';
import { apiPrefix } from '../src/app.ts';
import { isFiveFieldCron } from '../src/routes/schedules.routes.ts';
import { rowCounts, startTestApi, type TestApi } from './support/api-harness.ts';

describe('schedule routes', () => {
  let ctx: TestContext;
  let api: TestApi;
  let deps: ApiDeps;
  let app: FastifyInstance;
  let maintenance: Queue;
  const keys: Record<ApiKeyRole, string> = { admin: '', operator: '', scheduler: '' };
  const nightly = { cron: '0 2 * * *', timeZone: 'Europe/Berlin', enabled: true, autoExecute: true };

  beforeAll(async () => {
    ctx = await makeTestContext();
    api = await startTestApi(ctx);
    ({ app, deps } = api);
    Object.assign(keys, api.keys);
    maintenance = deps.queues.maintenance;
    // What a worker registers at start.
    await maintenance.upsertJobScheduler('reconcile', { every: 60_000 }, { name: 'reconcile' });
  });

  afterAll(async () => {
    await api?.close();
    await ctx?.cleanup();
  });

  const call: TestApi['call'] = (...args) => api.call(...args);

  it('checks cron expressions field by field', () => {
    for (const good of ['0 2 * * *', '*/15 * * * *', '0 0-6/2 1,15 JAN-MAR mon-fri', '59 23 31 12 7']) {
      expect(isFiveFieldCron(good), good).toBe(true);
    }
    for (const bad of [
      '',
      '0 2 * *',
      '0 2 * * * *',
      '60 * * * *',
      '* 24 * * *',
      '* * 0 * *',
      '5-1 * * * *',
      '*/0 * * * *',
      'a b c d e',
      '1/2/3 * * * *',
    ]) {
      expect(isFiveFieldCron(bad), bad).toBe(false);
    }
  });

  it('needs the right role for each route', async () => {
    expect((await call('GET', '/schedules', null)).status).toBe(401);
    expect((await call('GET', '/schedules', 'scheduler')).status).toBe(403);
    expect((await call('GET', '/schedules', 'operator')).status).toBe(200);
    expect((await call('PUT', '/schedules/nightly-payout', null, nightly)).status).toBe(401);
    for (const role of ['operator', 'scheduler'] as const) {
      const denied = await call('PUT', '/schedules/nightly-payout', role, nightly);
      expect(denied.status, role).toBe(403);
      expect(denied.body.error.code).toBe('FORBIDDEN');
    }
    expect((await call('POST', '/schedules/nightly-payout/run', null, {})).status).toBe(401);
    expect((await call('POST', '/schedules/nightly-payout/run', 'operator', {})).status).toBe(403);
    expect(await maintenance.getJobScheduler('nightly-payout')).toBeUndefined();
  });

  it('sets the nightly schedule with its autoExecute, lists it, and removes it when disabled', async () => {
    const { status, body } = await call('PUT', '/schedules/nightly-payout', 'admin', nightly);
    expect(status).toBe(200);
    expect(body.schedule).toEqual({
      id: 'nightly-payout',
      name: 'nightly-payout',
      pattern: '0 2 * * *',
      every: null,
      timeZone: 'Europe/Berlin',
      nextRunAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT(00|01):00:00\.000Z$/),
      autoExecute: true,
      updatedBy: expect.stringMatching(/^api-key:test-admin:/),
    });
    // The settings live in Postgres, with who set them; the job scheduler's jobs carry no data.
    expect(await ctx.db.payoutSchedule.findUnique({ where: { id: 'nightly-payout' } })).toMatchObject({
      cron: '0 2 * * *',
      timeZone: 'Europe/Berlin',
      enabled: true,
      autoExecute: true,
    });
    expect(new Date(body.schedule.nextRunAt).getTime()).toBeGreaterThan(Date.now());
    const scheduler = await maintenance.getJobScheduler('nightly-payout');
    expect(scheduler).toMatchObject({ pattern: '0 2 * * *', tz: 'Europe/Berlin' });

    const listed = await call('GET', '/schedules', 'operator');
    expect(listed.status).toBe(200);
    const byId = new Map(listed.body.schedules.map((s: { id: string }) => [s.id, s]));
    expect(byId.get('reconcile')).toMatchObject({ every: 60_000, pattern: null, nextRunAt: expect.any(String) });
    expect(byId.get('nightly-payout')).toEqual(body.schedule);

    const changed = await call('PUT', '/schedules/nightly-payout', 'admin', {
      ...nightly,
      cron: '30 3 * * 1-5',
      timeZone: 'UTC',
      autoExecute: false,
    });
    expect(changed.body.schedule).toMatchObject({
      pattern: '30 3 * * 1-5',
      timeZone: 'UTC',
      autoExecute: false,
    });
    expect(changed.body.schedule.nextRunAt).toMatch(/T03:30:00\.000Z$/);

    const off = await call('PUT', '/schedules/nightly-payout', 'admin', { ...nightly, enabled: false });
    expect(off).toEqual({ status: 200, body: { schedule: null } });
    expect(await maintenance.getJobScheduler('nightly-payout')).toBeUndefined();
    const audits = await ctx.db.disbursementAuditLog.findMany({
      where: { action: 'schedule.nightly_payout.changed' },
      orderBy: { createdAt: 'asc' },
    });
    expect(audits.map((a) => (a.details as { enabled: boolean }).enabled)).toEqual([true, true, false]);
    expect(audits.every((a) => a.actor?.startsWith('api-key:test-admin:'))).toBe(true);
    const after = await call('GET', '/schedules');
    expect(after.body.schedules.map((s: { id: string }) => s.id)).toEqual(['reconcile']);
  });

  it('rejects a bad cron, time zone or body, leaving the schedule as it was', async () => {
    await call('PUT', '/schedules/nightly-payout', 'admin', nightly);
    const before = await maintenance.getJobScheduler('nightly-payout');
    const cases: [unknown, string][] = [
      [{ ...nightly, cron: '0 2 * *' }, '/cron'],
      [{ ...nightly, cron: '61 2 * * *' }, '/cron'],
      [{ ...nightly, timeZone: 'Mars/Olympus_Mons' }, '/timeZone'],
      [{ ...nightly, enabled: 'yes' }, '/enabled'],
      [{ cron: '0 2 * * *', timeZone: 'UTC', enabled: true }, '/autoExecute'],
      [{ ...nightly, extra: 1 }, '/'],
    ];
    for (const [body, path] of cases) {
      const answer = await call('PUT', '/schedules/nightly-payout', 'admin', body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.error).toMatchObject({ code: 'VALIDATION_FAILED', message: 'invalid body' });
      expect(answer.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
    }
    const zone = await call('PUT', '/schedules/nightly-payout', 'admin', { ...nightly, timeZone: 'Nowhere/City' });
    expect(zone.body.error.details[0].message).toMatch(/time zone/);
    expect(await maintenance.getJobScheduler('nightly-payout')).toEqual(before);
    const badRun = await call('POST', '/schedules/nightly-payout/run', 'admin', { autoExecute: 'yes' });
    expect(badRun.status).toBe(400);
  });

  it('starts a nightly run now: 202 with a one-off maintenance job', async () => {
    const waitingBefore = await maintenance.getWaitingCount();
    const { status, body } = await call('POST', '/schedules/nightly-payout/run', 'scheduler', {});
    expect(status).toBe(202);
    expect(body.jobId).toMatch(/^nightly-payout-run-[0-9a-f-]{36}$/);
    const job = await maintenance.getJob(body.jobId);
    expect(job).toMatchObject({ name: 'nightly-payout', data: {} });

    const withExecute = await call('POST', '/schedules/nightly-payout/run', 'admin', { autoExecute: true });
    expect(withExecute.status).toBe(202);
    expect(withExecute.body.jobId).not.toBe(body.jobId);
    // Who asked, and for what, is recorded in Postgres; the job carries nothing a forger could change.
    expect((await maintenance.getJob(withExecute.body.jobId))?.data).toEqual({});
    expect(await ctx.db.jobRequest.findUnique({ where: { id: withExecute.body.jobId } })).toMatchObject({
      name: 'nightly-payout',
      actor: expect.stringMatching(/^api-key:test-admin:/),
      params: { autoExecute: true },
    });
    const noBody = await app.inject({
      method: 'POST',
      url: `${apiPrefix}/schedules/nightly-payout/run`,
      headers: { authorization: `Bearer ${keys.admin}` },
    });
    expect(noBody.statusCode).toBe(202);
    expect(await maintenance.getWaitingCount()).toBe(waitingBefore + 3);

    // A retried run with the same Idempotency-Key starts nothing more.
    const retry = () =>
      app.inject({
        method: 'POST',
        url: `${apiPrefix}/schedules/nightly-payout/run`,
        headers: { authorization: `Bearer ${keys.scheduler}`, 'idempotency-key': 'night-of-the-23rd' },
        payload: {},
      });
    const first = await retry();
    const second = await retry();
    expect(second.json()).toEqual(first.json());
    expect(await maintenance.getWaitingCount()).toBe(waitingBefore + 4);
  });

  it('never answers junk with a 5xx, and junk changes nothing in the database', async () => {
    const before = await rowCounts(ctx.db);
    const junk = fc.oneof(fc.string({ maxLength: 30 }), fc.integer(), fc.boolean(), fc.constant(null), fc.object());
    await fc.assert(
      fc.asyncProperty(
        fc.record({ cron: junk, timeZone: junk, enabled: junk, autoExecute: junk }, { requiredKeys: [] }),
        fc.constantFrom<ApiKeyRole | null>('admin', 'operator', 'scheduler', null),
        fc.string({ maxLength: 20 }),
        async (body, role, query) => {
          const put = await call('PUT', '/schedules/nightly-payout', role, body);
          expect(put.status, JSON.stringify(body)).toBeLessThan(500);
          const get = await call('GET', `/schedules?${encodeURIComponent(query)}=1`, role);
          expect(get.status).toBeLessThan(500);
        },
      ),
      { numRuns: 200 },
    );
    // Random cron strings do not make valid schedules: still the earlier one (or none).
    expect(await rowCounts(ctx.db)).toEqual(before);
  });
});
