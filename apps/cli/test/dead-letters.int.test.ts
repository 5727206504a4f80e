import { parseEnv } from '@payouts/config';
import { createBatches } from '@payouts/core';
import { deadLetterJobId, enqueue, makeQueues, makeRedis, QueueName, type Queues } from '@payouts/queue';
import { insertAffiliate, makeTestContext, type TestContext } from '@payouts/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliProcess } from './run-cli.ts';

describe('payouts dead-letters', () => {
  let ctx: TestContext;
  let connection: Redis;
  let queues: Queues;
  let env: Record<string, string>;
  let failed: string[];

  beforeAll(async () => {
    ctx = await makeTestContext();
    env = { DATABASE_URL: ctx.databaseUrl, REDIS_URL: ctx.redisUrl, QUEUE_PREFIX: ctx.queuePrefix };
    connection = makeRedis(parseEnv(env).REDIS_URL);
    queues = makeQueues({ connection, prefix: ctx.queuePrefix });
    await insertAffiliate(ctx.db, { commissions: ['60.00', '15.00'] });
    const created = await createBatches(
      { db: ctx.db },
      { provider: 'MOCK', minPayout: '50.00', maxBatchSize: 10 },
      { actor: 'test' },
    );
    const batchId = created.batches[0]?.id ?? '';
    // Two payments failed for good, as the worker leaves them: FAILED, audited, dead-lettered.
    await ctx.db.paymentBatch.update({ where: { id: batchId }, data: { status: 'FAILED', failedAt: new Date() } });
    const transactions = await ctx.db.disbursementTransaction.findMany({
      where: { batchId },
      orderBy: { amount: 'asc' },
    });
    failed = transactions.map((t) => t.id);
    for (const t of transactions) {
      const failedAt = new Date();
      await ctx.db.disbursementTransaction.update({
        where: { id: t.id },
        data: { status: 'FAILED', failedAt, errorMessage: 'payee refused' },
      });
      await ctx.db.disbursementAuditLog.create({
        data: { action: 'payment.failed', status: 'FAILURE', transactionId: t.id, batchId, toStatus: 'FAILED' },
      });
      await enqueue(
        queues,
        QueueName.deadLetter,
        {
          transactionId: t.id,
          batchId,
          reference: t.transactionId,
          payeeId: t.payeeRiseId,
          amount: t.amount.toFixed(2),
          error: 'payee refused',
          attemptsMade: 1,
          failedAt: failedAt.toISOString(),
        },
        deadLetterJobId(t.id, failedAt),
      );
    }
  });
  afterAll(async () => {
    await Promise.all(Object.values(queues ?? {}).map((q) => q.close()));
    connection?.disconnect();
    await ctx?.cleanup();
  });

  it('lists, replays and discards dead letters, as the API does', async () => {
    const [cheap, dear] = failed as [string, string];
    const listed = await runCliProcess(['dead-letters', 'list'], env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(`${cheap}  15.00`);
    expect(listed.stdout).toContain(`${dear}  60.00`);

    const replayed = await runCliProcess(['dead-letters', 'replay', dear], env);
    expect(replayed.code, replayed.stderr).toBe(0);
    const transaction = await ctx.db.disbursementTransaction.findUniqueOrThrow({ where: { id: dear } });
    expect(transaction).toMatchObject({ status: 'PENDING', idempotencyKey: `pay_${dear}_r1` });
    expect(await queues[QueueName.payTransaction].getJob(`pay-${dear}-replay1`)).toBeDefined();
    expect((await ctx.db.paymentBatch.findUniqueOrThrow({ where: { id: transaction.batchId } })).status).toBe(
      'PROCESSING',
    );

    const discarded = await runCliProcess(['dead-letters', 'discard', cheap], env);
    expect(discarded.code, discarded.stderr).toBe(0);
    expect(await ctx.db.disbursementTransaction.findUniqueOrThrow({ where: { id: cheap } })).toMatchObject({
      status: 'CANCELLED',
      liveCommissionId: null,
    });
    expect((await runCliProcess(['dead-letters', 'list'], env)).stdout).toBe('No dead letters.\n');

    const again = await runCliProcess(['dead-letters', 'replay', cheap], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/only FAILED payments can be replayed/);
    expect((await runCliProcess(['dead-letters', 'resend', cheap], env)).code).toBe(2);
    // Seven CLI processes, each starting Node and tsx: a bound for a loaded 2-core machine, not a timing check.
  }, 180_000);
});
