import { parseEnv } from '@payouts/config';
import { createApiKey, createBatches } from '@payouts/core';
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

describe('50 parallel execute requests for one batch', () => {
  let ctx: TestContext;
  let app: FastifyInstance;
  let deps: ReturnType<typeof makeApiDeps>;
  let worker: WorkerProcess;

  beforeAll(async () => {
    ctx = await makeTestContext();
    const services = { DATABASE_URL: ctx.databaseUrl, REDIS_URL: ctx.redisUrl, QUEUE_PREFIX: ctx.queuePrefix };
    worker = await spawnWorker({ ...services, NIGHTLY_PAYOUT_ENABLED: 'false', MOCK_PROVIDER_LATENCY_MS: '5' });
    deps = makeApiDeps(parseEnv({ ...services, LOG_LEVEL: 'silent' }));
    app = await buildApp(deps);
    await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await app?.close();
    if (deps) await closeApiDeps(deps);
    expect(await worker?.stop()).toBe(0);
    await ctx?.cleanup();
  });

  it('lead to exactly one execution and one payment per transaction', async () => {
    for (let i = 0; i < 8; i++) await insertAffiliate(ctx.db, { commissions: ['33.33', '33.34'] });
    const created = await createBatches(
      { db: ctx.db },
      { provider: 'MOCK', minPayout: '50.00', maxBatchSize: 500 },
      { actor: 'test' },
    );
    const batchId = created.batches[0]?.id ?? '';
    const { key } = await createApiKey({ db: ctx.db }, { role: 'scheduler', name: 'nightly' });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;

    const answers = await Promise.all(
      Array.from({ length: 50 }, () =>
        fetch(`http://127.0.0.1:${port}/api/disbursement/batches/${batchId}/execute`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}` },
        }).then(async (r) => ({ status: r.status, body: (await r.json()) as { jobId?: string } })),
      ),
    );
    // Those that came while the batch was PENDING or QUEUED share one job; later ones find it running.
    const accepted = answers.filter((a) => a.status === 202);
    expect(accepted.length).toBeGreaterThanOrEqual(1);
    expect(new Set(accepted.map((a) => a.body.jobId))).toEqual(new Set([`execute-${batchId}`]));
    expect(answers.every((a) => a.status === 202 || a.status === 409)).toBe(true);

    const deadline = Date.now() + 30_000;
    while ((await ctx.db.paymentBatch.findUniqueOrThrow({ where: { id: batchId } })).status !== 'COMPLETED') {
      if (Date.now() > deadline) throw new Error('batch did not complete');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await ctx.db.disbursementAuditLog.count({ where: { batchId, action: 'batch.executed' } })).toBe(1);
    expect(await ctx.db.disbursementAuditLog.count({ where: { batchId, action: 'batch.queued' } })).toBe(1);
    expect(await readMockLedger(ctx.db)).toEqual({ payments: 16, total: '533.36', sendCalls: 16 });
    expect(await findInvariantViolations(ctx.db)).toEqual([]);
  });
});
