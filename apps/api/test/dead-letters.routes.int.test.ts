import { createBatches } from '@payouts/core';
import type { ApiKeyRole } from '@payouts/db';
import { deadLetterJobId, enqueue, QueueName } from '@payouts/queue';
import { insertAffiliate, makeTestContext, type TestContext } from '@payouts/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiDeps } from '../src/api-deps.ts';
import { rowCounts, startTestApi, type TestApi } from './support/api-harness.ts';

describe('dead-letter routes: list, replay, discard', () => {
  let ctx: TestContext;
  let api: TestApi;
  let deps: ApiDeps;
  const keys: Record<ApiKeyRole, string> = { admin: '', operator: '', scheduler: '' };
  let batchId: string;
  /** Transactions made FAILED with dead letters: [replayed, discarded]; and one left PENDING. */
  let failedA: string;
  let failedB: string;
  let pendingId: string;

  beforeAll(async () => {
    ctx = await makeTestContext();
    api = await startTestApi(ctx, { PAY_ATTEMPTS: '4' });
    ({ deps } = api);
    Object.assign(keys, api.keys);

    await insertAffiliate(ctx.db, { commissions: ['60.00', '12.34'] });
    await insertAffiliate(ctx.db, { commissions: ['250.05'] });
    const result = await createBatches(
      deps,
      { provider: 'MOCK', minPayout: deps.env.MIN_PAYOUT_USD, maxBatchSize: 100 },
      { actor: 'test' },
    );
    batchId = result.batches[0]?.id ?? '';
    const transactions = await ctx.db.disbursementTransaction.findMany({
      where: { batchId },
      orderBy: { amount: 'asc' },
    });
    [failedA, failedB, pendingId] = transactions.map((t) => t.id) as [string, string, string];
    // The batch ran and two payments failed for good (as the worker leaves it): FAILED, audited, dead-lettered.
    await ctx.db.paymentBatch.update({ where: { id: batchId }, data: { status: 'FAILED', failedAt: new Date() } });
    await ctx.db.$executeRaw`UPDATE "DisbursementTransaction"
      SET "status" = 'FAILED', "failedAt" = now(), "errorMessage" = 'payee rejected'
      WHERE "id" IN (${failedA}, ${failedB})`;
    for (const t of transactions.slice(0, 2)) {
      await ctx.db.disbursementAuditLog.create({
        data: {
          action: 'payment.failed',
          status: 'FAILURE',
          batchId,
          transactionId: t.id,
          commissionId: t.commissionId,
          fromStatus: 'PROCESSING',
          toStatus: 'FAILED',
          actor: 'test',
        },
      });
    }
    const letter = (t: (typeof transactions)[number], failedAt: Date) => ({
      transactionId: t.id,
      batchId,
      reference: t.transactionId,
      payeeId: t.payeeRiseId,
      amount: t.amount.toFixed(2),
      error: 'payee rejected',
      attemptsMade: 4,
      failedAt: failedAt.toISOString(),
    });
    const [a, b] = transactions as [(typeof transactions)[number], (typeof transactions)[number]];
    // failedA failed twice (an earlier replay failed again): two dead letters.
    for (const [t, failedAt] of [
      [a, new Date('2026-01-01T00:00:00Z')],
      [b, new Date('2026-01-02T00:00:00Z')],
      [a, new Date('2026-01-03T00:00:00Z')],
    ] as const) {
      await enqueue(deps.queues, QueueName.deadLetter, letter(t, failedAt), deadLetterJobId(t.id, failedAt));
    }
  });

  afterAll(async () => {
    await api?.close();
    await ctx?.cleanup();
  });

  const call: TestApi['call'] = (...args) => api.call(...args);

  it('needs an admin or operator key for every route', async () => {
    const before = await rowCounts(ctx.db);
    for (const [method, url] of [
      ['GET', '/dead-letters'],
      ['POST', `/dead-letters/${failedA}/replay`],
      ['POST', `/dead-letters/${failedA}/discard`],
    ] as const) {
      expect((await call(method, url, null)).status, url).toBe(401);
      const denied = await call(method, url, 'scheduler');
      expect(denied.status, url).toBe(403);
      expect(denied.body.error.code).toBe('FORBIDDEN');
    }
    expect((await call('GET', '/dead-letters', 'operator')).status).toBe(200);
    expect(await rowCounts(ctx.db)).toEqual(before);
    expect(await deps.queues[QueueName.deadLetter].getWaitingCount()).toBe(3);
  });

  it('rejects bad params, query and body, changing nothing', async () => {
    const before = await rowCounts(ctx.db);
    for (const query of ['limit=0', 'limit=201', 'cursor=abc', 'cursor=-1', 'foo=1']) {
      const answer = await call('GET', `/dead-letters?${query}`);
      expect(answer.status, query).toBe(400);
      expect(answer.body.error).toMatchObject({ code: 'VALIDATION_FAILED', message: 'invalid querystring' });
    }
    const badId = await call('POST', '/dead-letters/a%20b/replay', 'admin', {});
    expect(badId.status).toBe(400);
    expect(badId.body.error.details[0].message).toMatch(/letters, digits/);
    const badBody = await call('POST', `/dead-letters/${failedA}/discard`, 'admin', { force: true });
    expect(badBody.status).toBe(400);
    expect(badBody.body.error.message).toBe('invalid body');
    expect(await rowCounts(ctx.db)).toEqual(before);
    const still = await ctx.db.disbursementTransaction.findUniqueOrThrow({ where: { id: failedA } });
    expect(still.status).toBe('FAILED');
    expect(await deps.queues[QueueName.deadLetter].getWaitingCount()).toBe(3);
  });

  it('lists the dead letters newest first with exact amounts, and pages', async () => {
    const { status, body } = await call('GET', '/dead-letters', 'operator');
    expect(status).toBe(200);
    expect(body.nextCursor).toBeNull();
    expect(body.deadLetters.map((d: { transactionId: string }) => d.transactionId)).toEqual([
      failedA,
      failedB,
      failedA,
    ]);
    expect(body.deadLetters[0]).toEqual({
      jobId: deadLetterJobId(failedA, new Date('2026-01-03T00:00:00Z')),
      addedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      transactionId: failedA,
      batchId,
      reference: expect.any(String),
      payeeId: expect.stringMatching(/^rise_/),
      amount: '12.34',
      error: 'payee rejected',
      attemptsMade: 4,
      failedAt: '2026-01-03T00:00:00.000Z',
    });
    expect(body.deadLetters[1].amount).toBe('60.00');

    const first = await call('GET', '/dead-letters?limit=2');
    expect(first.body.deadLetters).toHaveLength(2);
    expect(first.body.nextCursor).toBe('2');
    const second = await call('GET', `/dead-letters?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.deadLetters.map((d: { jobId: string }) => d.jobId)).toEqual([body.deadLetters[2].jobId]);
    expect(second.body.nextCursor).toBeNull();
  });

  it('leaves out a dead letter added by hand with data the worker never writes', async () => {
    const queue = deps.queues[QueueName.deadLetter];
    await queue.add('dead-letter', { transactionId: failedA, amount: 12.34, error: null }, { jobId: 'dead-forged' });
    const { status, body } = await call('GET', '/dead-letters', 'operator');
    expect(status).toBe(200);
    expect(body.deadLetters.map((d: { jobId: string }) => d.jobId)).not.toContain('dead-forged');
    expect(body.deadLetters).toHaveLength(3);
    await queue.remove('dead-forged');
  });

  it('replays a FAILED payment: PENDING with a new key, batch reopened, a new flow, its dead letters gone', async () => {
    const { status, body } = await call('POST', `/dead-letters/${failedA}/replay`, 'operator');
    expect(status).toBe(200);
    expect(body).toEqual({ transactionId: failedA, batchId, round: 1, jobId: `pay-${failedA}-replay1` });

    const tx = await ctx.db.disbursementTransaction.findUniqueOrThrow({ where: { id: failedA } });
    expect(tx).toMatchObject({ status: 'PENDING', idempotencyKey: `pay_${failedA}_r1`, failedAt: null });
    expect(tx.amount.toFixed(2)).toBe('12.34');
    const batch = await ctx.db.paymentBatch.findUniqueOrThrow({ where: { id: batchId } });
    expect(batch.status).toBe('PROCESSING');
    const actions = await ctx.db.disbursementAuditLog.findMany({
      where: { batchId, action: { in: ['payment.replayed', 'batch.reopened'] } },
      orderBy: { action: 'asc' },
    });
    expect(actions.map((a) => [a.action, a.fromStatus, a.toStatus])).toEqual([
      ['batch.reopened', 'FAILED', 'PROCESSING'],
      ['payment.replayed', 'FAILED', 'PENDING'],
    ]);
    expect(actions[1]?.actor).toMatch(/^api-key:test-operator:/);

    const pay = await deps.queues[QueueName.payTransaction].getJob(`pay-${failedA}-replay1`);
    expect(pay?.data).toEqual({ transactionId: failedA, batchId });
    expect(pay?.opts.attempts).toBe(4);
    const finalize = await deps.queues[QueueName.finalizeBatch].getJob(`finalize-${batchId}-replay1`);
    expect(await finalize?.getState()).toBe('waiting-children');

    const left = await call('GET', '/dead-letters');
    expect(left.body.deadLetters.map((d: { transactionId: string }) => d.transactionId)).toEqual([failedB]);
  });

  it('answers 409 for a payment that is not FAILED and 404 for an unknown one, changing nothing', async () => {
    const before = await rowCounts(ctx.db);
    for (const id of [failedA, pendingId]) {
      for (const action of ['replay', 'discard']) {
        const answer = await call('POST', `/dead-letters/${id}/${action}`, 'admin', {});
        expect(answer.status, `${action} ${id}`).toBe(409);
        expect(answer.body.error).toMatchObject({ code: 'CONFLICT', details: { reason: 'NOT_FAILED' } });
      }
    }
    for (const action of ['replay', 'discard']) {
      const unknown = await call('POST', `/dead-letters/no-such-tx/${action}`);
      expect(unknown.status).toBe(404);
      expect(unknown.body.error.code).toBe('NOT_FOUND');
    }
    expect(await rowCounts(ctx.db)).toEqual(before);
    expect(await deps.queues[QueueName.deadLetter].getWaitingCount()).toBe(1);
  });

  it('discards a FAILED payment: CANCELLED, commission released, dead letter gone', async () => {
    const { status, body } = await call('POST', `/dead-letters/${failedB}/discard`, 'operator');
    expect(status).toBe(200);
    expect(body).toEqual({ transactionId: failedB, batchId, status: 'CANCELLED', deadLettersRemoved: 1 });
    const tx = await ctx.db.disbursementTransaction.findUniqueOrThrow({ where: { id: failedB } });
    expect(tx).toMatchObject({ status: 'CANCELLED', liveCommissionId: null });
    const audit = await ctx.db.disbursementAuditLog.findMany({
      where: { transactionId: failedB, action: 'payment.discarded' },
    });
    expect(audit).toHaveLength(1);
    expect(audit[0]?.details).toMatchObject({ amount: '60.00', commissionReleased: true });
    expect((await call('GET', '/dead-letters')).body).toEqual({ deadLetters: [], nextCursor: null });
    // The batch keeps its status.
    expect((await ctx.db.paymentBatch.findUniqueOrThrow({ where: { id: batchId } })).status).toBe('PROCESSING');
  });

  it('never answers junk with a 5xx, and junk changes nothing', async () => {
    const before = await rowCounts(ctx.db);
    const junk = fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.array(fc.string()), fc.object());
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('list', 'replay', 'discard'),
        fc.string({ maxLength: 40 }),
        fc.string({ maxLength: 40 }),
        junk,
        fc.constantFrom<ApiKeyRole | null>('admin', 'operator', 'scheduler', null),
        async (route, id, value, body, role) => {
          const answer =
            route === 'list'
              ? await call('GET', `/dead-letters?${encodeURIComponent(id)}=${encodeURIComponent(value)}`, role)
              : await call('POST', `/dead-letters/${encodeURIComponent(id)}/${route}`, role, { [value]: body });
          expect(answer.status, `${route} ${id}`).toBeLessThan(500);
        },
      ),
      { numRuns: 200 },
    );
    expect(await rowCounts(ctx.db)).toEqual(before);
  });
});
