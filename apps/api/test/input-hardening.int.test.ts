import { insertAffiliate, makeTestContext, type TestContext } from '@payouts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiPrefix } from '../src/app.ts';
import { type Answer, rowCounts, startTestApi, type TestApi } from './support/api-harness.ts';

const cursorOf = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

/** Input that answered 500 (Postgres refused it) must be a 400 in the error shape, and change nothing. */
describe('input the database cannot take', () => {
  let ctx: TestContext;
  let api: TestApi;
  let affiliateId: string;

  beforeAll(async () => {
    ctx = await makeTestContext();
    api = await startTestApi(ctx);
    ({ affiliateId } = await insertAffiliate(ctx.db, { commissions: ['60.00', '12.34'] }));
  });
  afterAll(async () => {
    await api?.close();
    await ctx?.cleanup();
  });

  const pagedLists = () => [
    '/batches',
    '/audit-logs',
    '/riseworks/accounts',
    `/affiliates/${affiliateId}/commissions`,
    '/affiliates/payable',
  ];

  const expectRefused = (answer: Answer, label: string, path: string, message?: RegExp) => {
    expect(answer.status, label).toBe(400);
    expect(answer.body.error.code, label).toBe('VALIDATION_FAILED');
    expect(typeof answer.body.error.message, label).toBe('string');
    expect(Array.isArray(answer.body.error.details), label).toBe(true);
    const detail = answer.body.error.details.find((d: { path: string }) => d.path === path);
    expect(detail, `${label}: ${JSON.stringify(answer.body.error.details)}`).toBeDefined();
    if (message) expect(detail.message, label).toMatch(message);
  };

  it('refuses a cursor holding a NUL, or a date Postgres cannot hold, on every paged list', async () => {
    const before = await rowCounts(ctx.db);
    const cursors = {
      'NUL in the id': cursorOf('2026-01-01T00:00:00.000Z|ab\u0000cd'),
      'NUL in the date': cursorOf('2026-01-01T00:00:00.000Z\u0000|abcd'),
      'year 300000': cursorOf('+300000-01-01T00:00:00.000Z|abcd'),
      'year 200000 (a valid JS date)': cursorOf('+200000-01-01T00:00:00.000Z|abcd'),
      'year 10000': cursorOf('+010000-01-01T00:00:00.000Z|abcd'),
      'a negative year': cursorOf('-000001-01-01T00:00:00.000Z|abcd'),
      'year 0000': cursorOf('0000-06-01T00:00:00.000Z|abcd'),
      'a day that does not exist': cursorOf('2026-02-30T00:00:00.000Z|abcd'),
      'a date JS reads loosely': cursorOf('Jan 1 2026|abcd'),
      'an id outside the charset': cursorOf("2026-01-01T00:00:00.000Z|a'b"),
      'an id of 101 characters': cursorOf(`2026-01-01T00:00:00.000Z|${'a'.repeat(101)}`),
      'a third field': cursorOf('2026-01-01T00:00:00.000Z|abcd|x'),
      'not base64url of anything we made': 'bm90LWEtY3Vyc29y',
    };
    for (const list of pagedLists()) {
      for (const [label, cursor] of Object.entries(cursors)) {
        const answer = await api.call('GET', `${list}?cursor=${cursor}`);
        expectRefused(answer, `${list} ${label}`, '/cursor', /cursor is not one this API issued/);
      }
    }
    expect(await rowCounts(ctx.db)).toEqual(before);
  });

  it('accepts cursors at both ends of the dates it takes', async () => {
    for (const list of pagedLists()) {
      for (const iso of ['0001-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z']) {
        const answer = await api.call('GET', `${list}?cursor=${cursorOf(`${iso}|abcd`)}`);
        expect(answer.status, `${list} ${iso} ${JSON.stringify(answer.body)}`).toBe(200);
      }
    }
  });

  it('pages with the cursors it issues, on every paged list', async () => {
    await insertAffiliate(ctx.db, { commissions: ['70.00'] });
    for (const list of ['/affiliates/payable', `/affiliates/${affiliateId}/commissions`]) {
      const first = await api.call('GET', `${list}?limit=1`);
      expect(first.status, list).toBe(200);
      expect(first.body.nextCursor, list).toEqual(expect.any(String));
      expect((await api.call('GET', `${list}?limit=1&cursor=${first.body.nextCursor}`)).status, list).toBe(200);
    }
  });

  it('refuses a NUL in the audit-log actor, and dates outside 0001-9999 in from and to', async () => {
    await ctx.db.disbursementAuditLog.create({ data: { action: 'test.alpha', status: 'INFO', actor: 'alice' } });
    const before = await rowCounts(ctx.db);
    expectRefused(await api.call('GET', '/audit-logs?actor=al%00ice'), 'actor', '/actor', /NUL/);
    const outOfRange: [string, string][] = [
      ['from=0000-01-01T00:00:00Z', '/from'],
      ['to=0000-12-31T23:59:59Z', '/to'],
      // Inside 0001-9999 in their own offset, outside it in UTC.
      ['from=0001-01-01T00:30:00%2B01:00', '/from'],
      ['to=9999-12-31T23:00:00-05:00', '/to'],
    ];
    for (const [query, path] of outOfRange) {
      expectRefused(await api.call('GET', `/audit-logs?${query}`), query, path, /0001.*9999/);
    }
    const widest = await api.call('GET', '/audit-logs?from=0001-01-01T00:00:00Z&to=9999-12-31T23:59:59.999Z');
    expect(widest.status).toBe(200);
    expect(widest.body.auditLogs.length).toBeGreaterThan(0);
    expect(await rowCounts(ctx.db)).toEqual(before);
  });

  it('refuses a cron pattern that never fires, leaving the schedule as it was', async () => {
    const maintenance = api.deps.queues.maintenance;
    const before = await rowCounts(ctx.db);
    const nightly = { timeZone: 'UTC', enabled: true, autoExecute: false };
    for (const [cron, timeZone] of [
      ['0 0 31 2 *', 'UTC'],
      ['0 0 30 2 *', 'Europe/Berlin'],
      ['0 0 31 4,6 *', 'UTC'],
      ['59 23 31 2,4,6,9,11 *', 'Pacific/Kiritimati'],
    ]) {
      const answer = await api.call('PUT', '/schedules/nightly-payout', 'admin', { ...nightly, cron, timeZone });
      expectRefused(answer, `${cron} in ${timeZone}`, '/cron');
    }
    expect(await maintenance.getJobScheduler('nightly-payout')).toBeUndefined();
    expect(await rowCounts(ctx.db)).toEqual(before);
    const leapDay = await api.call('PUT', '/schedules/nightly-payout', 'admin', { ...nightly, cron: '0 0 29 2 *' });
    expect(leapDay.status).toBe(200);
    expect(leapDay.body.schedule.nextRunAt).toMatch(/-02-29T00:00:00\.000Z$/);
  });

  it('refuses a NUL anywhere in params, query, JSON body or Idempotency-Key, after authentication', async () => {
    const before = await rowCounts(ctx.db);
    const inject = (method: 'GET' | 'POST', url: string, extra: Record<string, unknown> = {}) =>
      api.app.inject({
        method,
        url: `${apiPrefix}${url}`,
        headers: { authorization: `Bearer ${api.keys.admin}`, ...((extra.headers as object) ?? {}) },
        ...(extra.payload === undefined ? {} : { payload: extra.payload as object }),
      });
    const cases: [string, Awaited<ReturnType<typeof inject>>, string, string][] = [
      ['query', await inject('GET', '/batches?status=PEN%00DING'), 'querystring', '/status'],
      ['param', await inject('GET', '/batches/ab%00cd'), 'params', '/batchId'],
      [
        'body field',
        await inject('POST', '/riseworks/accounts', {
          payload: { affiliateProfileId: affiliateId, riseId: 'rise\u0000x', email: 'a@example.com' },
        }),
        'body',
        '/riseId',
      ],
      [
        'nested body',
        await inject('POST', '/batches/preview', { payload: { affiliateIds: ['ok', 'n\u0000'] } }),
        'body',
        '/affiliateIds/1',
      ],
      [
        'body key',
        await inject('POST', '/batches/preview', { payload: { 'affiliate\u0000Ids': [] } }),
        'body',
        '/affiliate\u0000Ids',
      ],
      [
        'Idempotency-Key',
        await inject('POST', '/batches/preview', { payload: {}, headers: { 'idempotency-key': 'key\u0000one' } }),
        'headers',
        '/idempotency-key',
      ],
    ];
    for (const [label, response, where, path] of cases) {
      expect(response.statusCode, label).toBe(400);
      const { error } = response.json();
      expect(error.code, label).toBe('VALIDATION_FAILED');
      // The guard's own answer (not a schema's): every route, whatever its schema, refuses NUL the same way.
      expect(error.details, label).toEqual([{ in: where, path, message: expect.stringMatching(/NUL/) }]);
    }
    const anonymous = await api.app.inject({ url: `${apiPrefix}/audit-logs?actor=%00` });
    expect(anonymous.statusCode).toBe(401);
    expect(await rowCounts(ctx.db)).toEqual(before);
  });

  it('guards routes that have no schema of their own (Bull Board)', async () => {
    const answer = await api.app.inject({
      url: '/admin/queues/api/queues/pay-transaction%00x/metrics',
      headers: { authorization: `Bearer ${api.keys.admin}` },
    });
    // Bull Board answers errors of its routes in its own shape; the refusal is still the guard's.
    expect(answer.statusCode, answer.body).toBe(400);
    expect(answer.json().message).toBe('invalid params');
  });
});
