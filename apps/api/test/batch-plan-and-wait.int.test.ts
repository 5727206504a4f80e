import { insertAffiliate, makeTestContext, spawnWorker, type TestContext, type WorkerProcess } from '@payouts/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { rowCounts, startTestApi, type TestApi } from './support/api-harness.ts';

// The preview-then-create guard, and waiting for a batch to settle, over HTTP with a real worker.
describe('plan guard and waiting for a batch', () => {
  let ctx: TestContext;
  let api: TestApi;
  let worker: WorkerProcess;

  beforeAll(async () => {
    ctx = await makeTestContext();
    api = await startTestApi(ctx);
    const services = { DATABASE_URL: ctx.databaseUrl, REDIS_URL: ctx.redisUrl, QUEUE_PREFIX: ctx.queuePrefix };
    worker = await spawnWorker({ ...services, PAY_BACKOFF_MS: '100', NIGHTLY_PAYOUT_ENABLED: 'false' });
  });
  afterAll(async () => {
    await api?.close();
    expect(await worker?.stop()).toBe(0);
    await ctx?.cleanup();
  });
  beforeEach(async () => {
    // Every test starts with nothing payable left over from the one before.
    await ctx.db.commission.updateMany({ where: { status: 'APPROVED' }, data: { status: 'CANCELLED' } });
  });

  it('refuses a stale planHash with 409 PLAN_CHANGED and writes nothing; a fresh one creates the batch', async () => {
    await insertAffiliate(ctx.db, { commissions: ['60.00'] });
    const preview = await api.call('POST', '/batches/preview', 'admin', {});
    expect(preview.status).toBe(200);
    const { planHash } = preview.body;

    // Someone becomes payable between the preview and the creation.
    await insertAffiliate(ctx.db, { commissions: ['75.50'] });
    const before = await rowCounts(ctx.db);
    const stale = await api.call('POST', '/batches?wait=30', 'admin', { planHash });
    expect(stale.status).toBe(409);
    expect(stale.body.error).toMatchObject({ code: 'PLAN_CHANGED', details: { planHash: expect.any(String) } });
    expect(stale.body.error.details.planHash).not.toBe(planHash);
    const withoutWait = await api.call('POST', '/batches', 'scheduler', { planHash });
    expect(withoutWait.status).toBe(409);
    expect(await rowCounts(ctx.db)).toEqual(before);

    const fresh = await api.call('POST', '/batches?wait=30', 'admin', { planHash: stale.body.error.details.planHash });
    expect(fresh.status, JSON.stringify(fresh.body)).toBe(201);
    expect(fresh.body.batches).toEqual([expect.objectContaining({ paymentCount: 2, totalAmount: '135.50' })]);
  });

  it('refuses a provider that is not configured, naming the field, and writes nothing', async () => {
    await insertAffiliate(ctx.db, { commissions: ['60.00'] });
    const before = await rowCounts(ctx.db);
    const refused = await api.call('POST', '/batches', 'admin', { provider: 'RISE' });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: '/provider' }] });
    expect(refused.body.error.message).toMatch(/RISE is not configured.*MOCK/);
    expect(await rowCounts(ctx.db)).toEqual(before);
    const accepted = await api.call('POST', '/batches?wait=30', 'admin', { provider: 'MOCK' });
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(201);
  });

  it('waits for a batch to settle and gives its execution summary, transactions with commission and account', async () => {
    const paid = await insertAffiliate(ctx.db, { commissions: ['60.00', '0.25'] });
    const refused = await insertAffiliate(ctx.db, { commissions: ['80.00'] });
    const created = await api.call('POST', '/batches?wait=30', 'admin', {});
    const batchId = created.body.batches[0].id;
    // A payee the provider refuses for good: its payment fails and goes to the dead letters.
    await ctx.db.disbursementTransaction.updateMany({
      where: { batchId, affiliateProfileId: refused.affiliateId },
      data: { payeeRiseId: null },
    });

    const pending = await api.call('GET', `/batches/${batchId}?wait=1`, 'operator');
    expect(pending.status).toBe(200);
    expect(pending.body.batch).toMatchObject({ status: 'PENDING', summary: null });

    expect((await api.call('POST', `/batches/${batchId}/execute`, 'admin')).status).toBe(202);
    const settled = await api.call('GET', `/batches/${batchId}?wait=60`, 'operator');
    expect(settled.status).toBe(200);
    const { batch } = settled.body;
    expect(batch.status).toBe('FAILED');
    expect(batch.summary).toEqual({
      success: false,
      successCount: 2,
      failedCount: 1,
      errors: [expect.stringMatching(/^PB-\d{8}-[0-9A-F]{8}-\d{5}: .*no payout account/)],
      totalAmount: '60.25',
    });
    const mine = batch.transactions.find((t: { commissionId: string }) => t.commissionId === paid.commissionIds[0]);
    expect(mine).toMatchObject({
      status: 'COMPLETED',
      amount: '60.00',
      commission: { id: paid.commissionIds[0], amount: '60.00', status: 'PAID', paidAt: expect.any(String) },
      payoutAccount: { riseId: paid.riseId, kycStatus: 'APPROVED' },
    });
    const actions = batch.auditLogs.map((row: { action: string }) => row.action);
    expect(actions).toEqual(expect.arrayContaining(['batch.failed', 'batch.executed', 'payment.failed']));
    expect(batch.queuedBy).toMatch(/^api-key:test-admin:/);
  });
});
