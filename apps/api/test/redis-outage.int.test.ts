import {
  insertAffiliate,
  makeTestContext,
  type RedisServer,
  startRedisServer,
  type TestContext,
} from '@payouts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowCounts, startTestApi, type TestApi } from './support/api-harness.ts';

// The API on a Redis of its own that the test kills: work that needs a queue is refused at once with
// 503 UNAVAILABLE and leaves no trace in Postgres, reads still answer, and all works again once Redis is back.
describe('the API while its Redis is down', () => {
  let ctx: TestContext;
  let redis: RedisServer;
  let api: TestApi;
  let affiliateId: string;
  let batchId: string;
  let failedPaymentId: string;

  const until = async (what: string, done: () => boolean) => {
    for (let i = 0; !done(); i++) {
      if (i > 300) throw new Error(`not ${what} after 30 s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  beforeAll(async () => {
    ctx = await makeTestContext();
    redis = await startRedisServer();
    api = await startTestApi(ctx, { REDIS_URL: redis.url });
    affiliateId = (await insertAffiliate(ctx.db, { commissions: ['100.00'] })).affiliateId;
    const other = await insertAffiliate(ctx.db, { commissions: ['200.00'] });
    const created = await api.call('POST', `/affiliates/${affiliateId}/payout`, 'admin', {});
    expect(created.status).toBe(201);
    batchId = created.body.batch.id;
    // A payment that failed for good, for the dead-letter routes (set up directly: a fixture, not under test).
    const failed = await api.call('POST', `/affiliates/${other.affiliateId}/payout`, 'admin', {});
    expect(failed.status).toBe(201);
    const payment = await ctx.db.disbursementTransaction.findFirstOrThrow({ where: { batchId: failed.body.batch.id } });
    await ctx.db.disbursementTransaction.update({
      where: { id: payment.id },
      data: { status: 'FAILED', failedAt: new Date(), errorMessage: 'refused' },
    });
    await ctx.db.paymentBatch.update({ where: { id: failed.body.batch.id }, data: { status: 'FAILED' } });
    failedPaymentId = payment.id;
  });
  afterAll(async () => {
    await api?.close();
    await redis?.stop();
    await ctx?.cleanup();
  });

  it('refuses work with 503 and Retry-After, records nothing, and still serves reads', async () => {
    await redis.kill();
    await until('disconnected', () => api.deps.redis.status !== 'ready');
    const before = await rowCounts(ctx.db);
    const scheduleBefore = await ctx.db.payoutSchedule.findUnique({ where: { id: 'nightly-payout' } });

    const refused = [
      await api.call('POST', '/batches', 'admin', {}),
      await api.call('POST', `/batches/${batchId}/execute`, 'admin'),
      await api.call('POST', '/schedules/nightly-payout/run', 'admin', {}),
      await api.call('PUT', '/schedules/nightly-payout', 'admin', {
        cron: '0 3 * * *',
        timeZone: 'UTC',
        enabled: true,
        autoExecute: false,
      }),
      await api.call('POST', `/dead-letters/${failedPaymentId}/replay`, 'operator'),
      await api.call('POST', `/dead-letters/${failedPaymentId}/discard`, 'operator'),
    ];
    for (const answer of refused) {
      expect(answer.status).toBe(503);
      expect(answer.body.error.code).toBe('UNAVAILABLE');
      expect(answer.body.error.message).toMatch(/Redis.*unavailable.*nothing was done/);
    }
    const withHeaders = await api.app.inject({
      method: 'POST',
      url: '/api/disbursement/batches',
      headers: { authorization: `Bearer ${api.keys.admin}` },
      payload: {},
    });
    expect(withHeaders.statusCode).toBe(503);
    expect(withHeaders.headers['retry-after']).toBe('5');

    // No JobRequest, no audit row, no schedule, the batch still PENDING (not QUEUED without a job), the
    // payment still FAILED (neither replayed nor discarded).
    expect(await rowCounts(ctx.db)).toEqual(before);
    expect(await ctx.db.payoutSchedule.findUnique({ where: { id: 'nightly-payout' } })).toEqual(scheduleBefore);
    expect((await ctx.db.disbursementTransaction.findUniqueOrThrow({ where: { id: failedPaymentId } })).status).toBe(
      'FAILED',
    );
    const batch = await api.call('GET', `/batches/${batchId}`, 'operator');
    expect(batch.status).toBe(200);
    expect(batch.body.batch.status).toBe('PENDING');
    expect((await api.call('GET', '/affiliates/payable', 'operator')).status).toBe(200);
    expect((await api.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(503);
  });

  it('takes the same work once Redis is back', async () => {
    await redis.start();
    await until('reconnected', () => api.deps.redis.status === 'ready');

    const executed = await api.call('POST', `/batches/${batchId}/execute`, 'admin');
    expect(executed.status).toBe(202);
    expect((await ctx.db.paymentBatch.findUniqueOrThrow({ where: { id: batchId } })).status).toBe('QUEUED');
    const created = await api.call('POST', '/batches', 'admin', {});
    expect(created.status).toBe(202);
    expect(await ctx.db.jobRequest.count({ where: { id: created.body.jobId } })).toBe(1);
  });
});
