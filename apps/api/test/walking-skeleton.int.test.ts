import { parseEnv } from '@payouts/config';
import { createApiKey } from '@payouts/core';
import { endProviderSuspension, suspendPaying } from '@payouts/operations';
import { readMockLedger } from '@payouts/providers';
import {
  findInvariantViolations,
  insertAffiliate,
  makeTestContext,
  spawnWorker,
  type TestContext,
  type WorkerProcess,
} from '@payouts/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeApiDeps, makeApiDeps } from '../src/api-deps.ts';
import { buildApp } from '../src/app.ts';

// The whole path once, on real services: HTTP -> create-batch -> execute-batch -> flow -> mock provider -> Postgres.
describe('walking skeleton over HTTP with a real worker', () => {
  let ctx: TestContext;
  let app: FastifyInstance;
  let worker: WorkerProcess;
  let apiDeps: ReturnType<typeof makeApiDeps>;
  let baseUrl: string;
  let adminKey: string;

  beforeAll(async () => {
    ctx = await makeTestContext();
    const services = { DATABASE_URL: ctx.databaseUrl, REDIS_URL: ctx.redisUrl, QUEUE_PREFIX: ctx.queuePrefix };
    worker = await spawnWorker({ ...services, PAY_BACKOFF_MS: '100' });
    const env = parseEnv({ ...services, LOG_LEVEL: 'silent' });
    apiDeps = makeApiDeps(env);
    app = await buildApp(apiDeps);
    baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
    adminKey = (await createApiKey({ db: ctx.db }, { role: 'admin', name: 'test-admin' })).key;
  });

  afterAll(async () => {
    await app?.close();
    if (apiDeps) await closeApiDeps(apiDeps);
    expect(await worker?.stop()).toBe(0);
    await ctx?.cleanup();
  });

  const call = async (method: string, path: string, key: string | null = adminKey) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
      },
      body: method === 'POST' ? '{}' : undefined,
    });
    // biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field below
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };

  async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const value = await read();
      if (done(value)) return value;
      if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}: ${JSON.stringify(value)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it('pays every payable commission once and leaves everyone else alone', async () => {
    const payableA = await insertAffiliate(ctx.db, { commissions: ['30.00', '25.50', '0.01'] });
    const payableB = await insertAffiliate(ctx.db, { commissions: ['100.10', '0.90'] });
    const belowMinimum = await insertAffiliate(ctx.db, { commissions: ['49.99'] });
    const kycPending = await insertAffiliate(ctx.db, { commissions: ['100.00'], kyc: 'PENDING' });
    const noAccount = await insertAffiliate(ctx.db, { commissions: ['75.00'], kyc: null });

    expect((await call('POST', '/api/disbursement/batches', null)).status).toBe(401);

    const created = await call('POST', '/api/disbursement/batches');
    expect(created.status).toBe(202);
    const createJob = await until(
      () => call('GET', `/api/disbursement/jobs/${created.body.jobId}`),
      (r) => ['completed', 'failed'].includes(r.body.job?.state),
      'create-batch job',
    );
    expect(createJob.body.job).toMatchObject({ state: 'completed', failedReason: null });
    const [batch, ...others] = createJob.body.job.result.batches;
    expect(others).toEqual([]);
    expect(batch).toMatchObject({ paymentCount: 5, totalAmount: '156.51' });

    const executed = await call('POST', `/api/disbursement/batches/${batch.id}/execute?wait=20`);
    expect(executed.status).toBe(200);
    expect(executed.body.result).toMatchObject({ batchId: batch.id, payments: 5 });

    const done = await until(
      () => call('GET', `/api/disbursement/batches/${batch.id}`),
      (r) => r.body.batch?.status !== 'PROCESSING',
      'batch to settle',
    );
    expect(done.body.batch.status).toBe('COMPLETED');
    expect(done.body.batch.counts).toMatchObject({ COMPLETED: 5, FAILED: 0, PENDING: 0 });

    const paidIds = [...payableA.commissionIds, ...payableB.commissionIds].sort();
    const paid = await ctx.db.commission.findMany({ where: { status: 'PAID' }, select: { id: true } });
    expect(paid.map((c) => c.id).sort()).toEqual(paidIds);
    const untouched = [...belowMinimum.commissionIds, ...kycPending.commissionIds, ...noAccount.commissionIds];
    const stillApproved = await ctx.db.commission.count({ where: { id: { in: untouched }, status: 'APPROVED' } });
    expect(stillApproved).toBe(untouched.length);

    const ledger = await readMockLedger(ctx.db);
    expect(ledger).toEqual({ payments: 5, total: '156.51', sendCalls: 5 });
    expect(await findInvariantViolations(ctx.db)).toEqual([]);

    // A settled batch cannot be executed again.
    const again = await call('POST', `/api/disbursement/batches/${batch.id}/execute`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('CONFLICT');
  });

  it('answers /healthz and /readyz', async () => {
    expect((await call('GET', '/healthz', null)).body).toEqual({ status: 'ok' });
    expect(await call('GET', '/readyz', null)).toEqual({
      status: 200,
      body: { status: 'ready', postgres: 'ok', redis: 'ok', provider: { status: 'ok' } },
    });
  });

  it('says in /readyz why paying is paused while the provider refuses every payment, and when it is over', async () => {
    await suspendPaying(apiDeps, { code: 'INSUFFICIENT_BALANCE', message: 'team balance too low' }, 60_000);
    const paused = await call('GET', '/readyz', null);
    expect(paused.status).toBe(200);
    expect(paused.body.provider).toEqual({
      status: 'suspended',
      code: 'INSUFFICIENT_BALANCE',
      message: 'team balance too low',
      since: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(await endProviderSuspension(apiDeps)).toBe(true);
    expect((await call('GET', '/readyz', null)).body.provider).toEqual({ status: 'ok' });
    const audits = await ctx.db.disbursementAuditLog.findMany({
      where: { action: { in: ['provider.suspended', 'provider.resumed'] } },
      orderBy: { createdAt: 'asc' },
    });
    expect(audits.map((a) => a.action)).toEqual(['provider.suspended', 'provider.resumed']);
    // The pause held the pay queue (a queue-level rate limit); lift it so nothing else here waits.
    await apiDeps.queues['pay-transaction'].removeRateLimitKey();
  });
});
