import { applyPaymentRemoved, createBatches, webhookActor } from '@payouts/core';
import type { ProviderEventStatus } from '@payouts/db';
import { QueueName } from '@payouts/queue';
import { insertAffiliate, makeTestContext, type TestContext } from '@payouts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiDeps } from '../src/api-deps.ts';
import { type Answer, rowCounts, startTestApi, type TestApi } from './support/api-harness.ts';

interface EventFixture {
  eventType: string;
  status: ProviderEventStatus;
  transaction?: 'A' | 'B';
  providerPaymentId?: string;
  receivedAt: string;
  errorMessage?: string;
}

/** Stored events, oldest received first (as the webhook route and the worker leave them). */
const eventFixtures: EventFixture[] = [
  {
    eventType: 'payment.sent',
    status: 'APPLIED',
    transaction: 'A',
    providerPaymentId: 'pay_A',
    receivedAt: '2026-03-01T10:00:00.000Z',
  },
  {
    eventType: 'payment.removed',
    status: 'APPLIED',
    transaction: 'A',
    providerPaymentId: 'pay_A',
    receivedAt: '2026-03-01T11:00:00.000Z',
  },
  {
    eventType: 'payment.sent',
    status: 'FAILED',
    transaction: 'B',
    providerPaymentId: 'pay_B',
    receivedAt: '2026-03-01T12:00:00.000Z',
    errorMessage: 'database went away',
  },
  {
    eventType: 'invite.accepted',
    status: 'IGNORED',
    receivedAt: '2026-03-01T13:00:00.000Z',
    errorMessage: 'no affiliate has this e-mail',
  },
  {
    eventType: 'payment.sent',
    status: 'CONFLICT',
    transaction: 'B',
    providerPaymentId: 'pay_B',
    receivedAt: '2026-03-01T14:00:00.000Z',
    errorMessage: 'the provider reports 99.00',
  },
  {
    eventType: 'payment.removed',
    status: 'APPLIED',
    transaction: 'B',
    providerPaymentId: 'pay_B',
    receivedAt: '2026-03-01T15:00:00.000Z',
  },
  // Two received in the same millisecond: the id breaks the tie, and paging must not skip either.
  { eventType: 'team.updated', status: 'IGNORED', receivedAt: '2026-03-01T16:00:00.000Z' },
  { eventType: 'team.updated', status: 'IGNORED', receivedAt: '2026-03-01T16:00:00.000Z' },
];

const signature = 't=1772359200,v1=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';

describe('provider event routes: list, show, replay; reversals', () => {
  let ctx: TestContext;
  let api: TestApi;
  let deps: ApiDeps;
  /** Event ids in fixture order (oldest first). */
  let eventIds: string[];
  /** Newest first, as the list answers: receivedAt desc, then id desc. */
  let newestFirst: string[];
  const transactions = { A: '', B: '', repayment: '' };
  const commissions = { A: '', B: '' };
  let batchId: string;

  beforeAll(async () => {
    ctx = await makeTestContext();
    api = await startTestApi(ctx);
    ({ deps } = api);

    // Two payments made, then both removed by the provider; A's commission is in a new batch since.
    const a = await insertAffiliate(ctx.db, { commissions: ['60.00'] });
    await insertAffiliate(ctx.db, { commissions: ['80.25'] });
    const settings = { provider: 'MOCK' as const, minPayout: '50.00', maxBatchSize: 10 };
    const created = await createBatches(deps, settings, { actor: 'test' });
    batchId = created.batches[0]?.id ?? '';
    const rows = await ctx.db.disbursementTransaction.findMany({ where: { batchId } });
    for (const row of rows) {
      const key = row.affiliateProfileId === a.affiliateId ? 'A' : 'B';
      transactions[key] = row.id;
      commissions[key] = row.commissionId;
      await ctx.db.disbursementTransaction.update({
        where: { id: row.id },
        data: { status: 'COMPLETED', providerTxId: `pay_${key}`, completedAt: new Date() },
      });
      await ctx.db.commission.update({ where: { id: row.commissionId }, data: { status: 'PAID', paidAt: new Date() } });
    }
    await ctx.db.paymentBatch.update({
      where: { id: batchId },
      data: { status: 'COMPLETED', completedAt: new Date() },
    });
    for (const [key, reason, at] of [
      ['A', 'chargeback', '2026-03-02T09:00:00.000Z'],
      ['B', 'wrong payee', '2026-03-02T10:00:00.000Z'],
    ] as const) {
      const row = rows.find((r) => r.id === transactions[key]);
      const word = {
        providerTxId: `pay_${key}`,
        idempotencyKey: row?.idempotencyKey ?? null,
        amount: null,
        providerState: 'removed',
        source: { lookUp: true as const },
        reason,
      };
      const outcome = await ctx.db.$transaction((tx) => applyPaymentRemoved(tx, word, webhookActor));
      expect(outcome.status).toBe('APPLIED');
      // A fixed reversal time, so that the order of the list is known.
      await ctx.db.disbursementTransaction.update({
        where: { id: transactions[key] },
        data: { reversedAt: new Date(at) },
      });
    }
    const again = await createBatches(deps, { ...settings, affiliateIds: [a.affiliateId] }, { actor: 'test' });
    const repayment = await ctx.db.disbursementTransaction.findFirstOrThrow({
      where: { batchId: again.batches[0]?.id ?? '' },
    });
    transactions.repayment = repayment.id;

    eventIds = [];
    for (const [n, fixture] of eventFixtures.entries()) {
      const event = await ctx.db.riseWorksWebhookEvent.create({
        data: {
          providerEventId: `idem-${n}`,
          eventType: fixture.eventType,
          payload: { event_type: fixture.eventType, idempotency_key: `idem-${n}`, created: 1772359200 + n },
          signature,
          status: fixture.status,
          transactionId: fixture.transaction ? transactions[fixture.transaction] : null,
          providerPaymentId: fixture.providerPaymentId ?? null,
          receivedAt: new Date(fixture.receivedAt),
          eventCreatedAt: new Date((1772359200 + n) * 1000),
          errorMessage: fixture.errorMessage ?? null,
          attempts: fixture.status === 'FAILED' ? 3 : 1,
          processed: fixture.status === 'APPLIED' || fixture.status === 'IGNORED',
        },
      });
      eventIds.push(event.id);
    }
    newestFirst = eventIds
      .map((id, n) => ({ id, at: eventFixtures[n]?.receivedAt ?? '' }))
      .sort((x, y) => (x.at === y.at ? (x.id < y.id ? 1 : -1) : x.at < y.at ? 1 : -1))
      .map((e) => e.id);
  });

  afterAll(async () => {
    await api?.close();
    await ctx?.cleanup();
  });

  const call: TestApi['call'] = (...args) => api.call(...args);
  const ids = (body: Answer['body']) => (body.providerEvents as { id: string }[]).map((e) => e.id);
  const event = (n: number) => eventIds[n] ?? '';

  it('lists every stored event newest first, without payload or signature', async () => {
    const { status, body } = await call('GET', '/provider-events', 'operator');
    expect(status).toBe(200);
    expect(ids(body)).toEqual(newestFirst);
    expect(body.nextCursor).toBeNull();
    const failed = body.providerEvents.find((e: { id: string }) => e.id === event(2));
    expect(failed).toEqual({
      id: event(2),
      providerEventId: 'idem-2',
      eventType: 'payment.sent',
      status: 'FAILED',
      errorMessage: 'database went away',
      transactionId: transactions.B,
      providerPaymentId: 'pay_B',
      eventCreatedAt: new Date((1772359200 + 2) * 1000).toISOString(),
      receivedAt: '2026-03-01T12:00:00.000Z',
      processed: false,
      processedAt: null,
      attempts: 3,
      lastAttemptAt: null,
      requeueCount: 0,
    });
    expect(JSON.stringify(body)).not.toContain('v1=');
  });

  it('filters by status, type, transaction, provider payment and time received [from, to)', async () => {
    const list = async (query: string) => {
      const answer = await call('GET', `/provider-events?${query}`);
      expect(answer.status, query).toBe(200);
      return ids(answer.body);
    };
    expect(await list('status=FAILED')).toEqual([event(2)]);
    expect(await list('status=APPLIED')).toEqual([event(5), event(1), event(0)]);
    expect(await list('status=WAITING')).toEqual([]);
    expect(await list('eventType=payment.removed')).toEqual([event(5), event(1)]);
    expect(await list(`transactionId=${transactions.B}`)).toEqual([event(5), event(4), event(2)]);
    expect(await list('providerPaymentId=pay_A')).toEqual([event(1), event(0)]);
    expect(await list('from=2026-03-01T11:00:00Z&to=2026-03-01T13:00:00Z')).toEqual([event(2), event(1)]);
    expect(await list('from=2026-03-01T15:00:00%2B01:00')).toEqual(newestFirst.slice(0, 4));
    expect(await list('to=2026-03-01T11:00:00.001Z')).toEqual([event(1), event(0)]);
    expect(await list('status=APPLIED&eventType=payment.sent&providerPaymentId=pay_A')).toEqual([event(0)]);
    expect(await list(`transactionId=${transactions.repayment}`)).toEqual([]);
  });

  it('pages with a cursor: every event once, in order, however small the page', async () => {
    for (const limit of [1, 2, 3]) {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string = `limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`;
        const page = await call('GET', `/provider-events?${query}`);
        expect(page.status, query).toBe(200);
        expect(page.body.providerEvents.length).toBeLessThanOrEqual(limit);
        seen.push(...ids(page.body));
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(seen, `limit ${limit}`).toEqual(newestFirst);
    }
    // Filters and cursor together.
    const first = await call('GET', '/provider-events?eventType=payment.sent&limit=2');
    expect(ids(first.body)).toEqual([event(4), event(2)]);
    const second = await call('GET', `/provider-events?eventType=payment.sent&limit=2&cursor=${first.body.nextCursor}`);
    expect(ids(second.body)).toEqual([event(0)]);
    expect(second.body.nextCursor).toBeNull();
  });

  it('refuses bad filters and forged cursors with 400 in the error shape', async () => {
    const forged = [
      'abc',
      Buffer.from('2026-03-01T12:00:00.000Z|x y').toString('base64url'),
      Buffer.from('10000-01-01T00:00:00.000Z|abc').toString('base64url'),
      `${Buffer.from('2026-03-01T12:00:00.000Z|abc').toString('base64url')}=`,
      '%00',
    ];
    const bad = [
      ...forged.map((cursor) => `cursor=${cursor}`),
      'status=DONE',
      'status=failed',
      'eventType=payment%20sent',
      'eventType=',
      'transactionId=a.b',
      'providerPaymentId=%00',
      'from=yesterday',
      'from=10000-01-01T00:00:00Z',
      'to=2026-02-30T00:00:00Z',
      'from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z',
      'limit=0',
      'limit=201',
      'signature=1',
    ];
    for (const query of bad) {
      const answer = await call('GET', `/provider-events?${query}`);
      expect(answer.status, query).toBe(400);
      expect(answer.body.error.code, query).toBe('VALIDATION_FAILED');
    }
    const reversals = await call('GET', '/reversals?cursor=abc');
    expect(reversals.status).toBe(400);
  });

  it('needs an admin or operator key: 401 without one, 403 for a scheduler, and nothing changes', async () => {
    const before = await rowCounts(ctx.db);
    const routes = [
      ['GET', '/provider-events'],
      ['GET', `/provider-events/${event(2)}`],
      ['POST', `/provider-events/${event(2)}/replay`],
      ['GET', '/reversals'],
    ] as const;
    for (const [method, url] of routes) {
      expect((await call(method, url, null)).status, url).toBe(401);
      const denied = await call(method, url, 'scheduler');
      expect(denied.status, url).toBe(403);
      expect(denied.body.error.code).toBe('FORBIDDEN');
    }
    for (const [method, url] of routes.filter(([method]) => method === 'GET')) {
      expect((await call(method, url, 'admin')).status, url).toBe(200);
    }
    expect(await rowCounts(ctx.db)).toEqual(before);
    expect((await ctx.db.riseWorksWebhookEvent.findUniqueOrThrow({ where: { id: event(2) } })).status).toBe('FAILED');
    expect(await deps.queues[QueueName.providerEvents].count()).toBe(0);
  });

  it('shows one event with its payload, never its signature; 404 for an unknown id', async () => {
    const { status, body } = await call('GET', `/provider-events/${event(4)}`, 'operator');
    expect(status).toBe(200);
    expect(body.providerEvent).toMatchObject({
      id: event(4),
      status: 'CONFLICT',
      errorMessage: 'the provider reports 99.00',
      payload: { event_type: 'payment.sent', idempotency_key: 'idem-4', created: 1772359204 },
    });
    expect(body.providerEvent).not.toHaveProperty('signature');
    expect(JSON.stringify(body)).not.toContain('v1=');

    const missing = await call('GET', '/provider-events/no-such-event');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('NOT_FOUND');
    expect((await call('GET', '/provider-events/a.b')).status).toBe(400);
  });

  it('replays a FAILED event: 202, RECEIVED again, audited with the caller, a new job in the provider-events queue', async () => {
    const { status, body } = await call('POST', `/provider-events/${event(2)}/replay`, 'operator');
    expect(status).toBe(202);
    expect(body).toEqual({ jobId: `event-${event(2)}-1`, eventId: event(2), previousStatus: 'FAILED' });

    const stored = await ctx.db.riseWorksWebhookEvent.findUniqueOrThrow({ where: { id: event(2) } });
    expect(stored).toMatchObject({ status: 'RECEIVED', requeueCount: 1, processed: false });
    const audit = await ctx.db.disbursementAuditLog.findMany({ where: { action: 'provider_event.replayed' } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ fromStatus: 'FAILED', toStatus: 'RECEIVED', transactionId: transactions.B });
    expect(audit[0]?.actor).toMatch(/^api-key:test-operator:/);
    expect(audit[0]?.details).toMatchObject({ eventId: event(2), providerEventId: 'idem-2' });

    const job = await deps.queues[QueueName.providerEvents].getJob(body.jobId);
    expect(job?.data).toEqual({ eventId: event(2) });
    expect(await job?.getState()).toBe('waiting');
    const listed = await call('GET', '/provider-events?status=RECEIVED');
    expect(ids(listed.body)).toEqual([event(2)]);

    // Once more while it waits for its job: RECEIVED is not replayed.
    const again = await call('POST', `/provider-events/${event(2)}/replay`, 'admin', {});
    expect(again.status).toBe(409);
    expect(again.body.error.details).toEqual({ status: 'RECEIVED' });
  });

  it('answers 409 for an APPLIED event and 404 for an unknown one, changing nothing', async () => {
    const before = await rowCounts(ctx.db);
    const storedBefore = await ctx.db.riseWorksWebhookEvent.findUniqueOrThrow({ where: { id: event(0) } });
    const jobsBefore = await deps.queues[QueueName.providerEvents].count();

    const applied = await call('POST', `/provider-events/${event(0)}/replay`, 'admin');
    expect(applied.status).toBe(409);
    expect(applied.body.error).toMatchObject({ code: 'CONFLICT', details: { status: 'APPLIED' } });
    const unknown = await call('POST', '/provider-events/no-such-event/replay', 'admin');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('NOT_FOUND');
    const withBody = await call('POST', `/provider-events/${event(3)}/replay`, 'admin', { force: true });
    expect(withBody.status).toBe(400);

    expect(await rowCounts(ctx.db)).toEqual(before);
    expect(await ctx.db.riseWorksWebhookEvent.findUniqueOrThrow({ where: { id: event(0) } })).toEqual(storedBefore);
    expect(await deps.queues[QueueName.providerEvents].count()).toBe(jobsBefore);
  });

  it('lists reversals newest first: the reason, the commission now and the transaction paying it again', async () => {
    const { status, body } = await call('GET', '/reversals', 'operator');
    expect(status).toBe(200);
    expect(body.nextCursor).toBeNull();
    expect(body.reversals).toEqual([
      {
        id: transactions.B,
        transactionId: expect.any(String),
        batchId,
        commissionId: commissions.B,
        affiliateProfileId: expect.any(String),
        amount: '80.25',
        providerTxId: 'pay_B',
        reversedAt: '2026-03-02T10:00:00.000Z',
        reason: 'wrong payee',
        commissionStatus: 'APPROVED',
        repayment: null,
      },
      expect.objectContaining({
        id: transactions.A,
        amount: '60.00',
        reversedAt: '2026-03-02T09:00:00.000Z',
        reason: 'chargeback',
        commissionStatus: 'APPROVED',
        repayment: { id: transactions.repayment, batchId: expect.any(String), status: 'PENDING' },
      }),
    ]);
    const first = await call('GET', '/reversals?limit=1');
    expect(first.body.reversals.map((r: { id: string }) => r.id)).toEqual([transactions.B]);
    const second = await call('GET', `/reversals?limit=1&cursor=${first.body.nextCursor}`);
    expect(second.body.reversals.map((r: { id: string }) => r.id)).toEqual([transactions.A]);
    expect(second.body.nextCursor).toBeNull();
  });

  it("shows the provider's word on each payment of a batch", async () => {
    const { status, body } = await call('GET', `/batches/${batchId}`, 'operator');
    expect(status).toBe(200);
    const reversed = body.batch.transactions.find((t: { id: string }) => t.id === transactions.A);
    expect(reversed).toMatchObject({
      status: 'REVERSED',
      providerState: 'removed',
      confirmedAt: null,
      reversedAt: '2026-03-02T09:00:00.000Z',
      errorMessage: 'chargeback',
    });
    expect(body.batch.progress).toEqual({ settled: 2, total: 2 });
  });
});
