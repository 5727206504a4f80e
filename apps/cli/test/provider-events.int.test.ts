import { parseEnv } from '@payouts/config';
import { createBatches } from '@payouts/core';
import { makeQueues, makeRedis, providerEventJobId, QueueName, type Queues } from '@payouts/queue';
import { insertAffiliate, makeTestContext, type TestContext } from '@payouts/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliProcess } from './run-cli.ts';

describe('payouts provider-events and reversals', () => {
  let ctx: TestContext;
  let connection: Redis;
  let queues: Queues;
  let env: Record<string, string>;
  let failedId: string;
  let appliedId: string;

  beforeAll(async () => {
    ctx = await makeTestContext();
    env = { DATABASE_URL: ctx.databaseUrl, REDIS_URL: ctx.redisUrl, QUEUE_PREFIX: ctx.queuePrefix };
    connection = makeRedis(parseEnv(env).REDIS_URL);
    queues = makeQueues({ connection, prefix: ctx.queuePrefix });
    const store = (n: number, status: 'APPLIED' | 'FAILED', eventType: string, errorMessage: string | null) =>
      ctx.db.riseWorksWebhookEvent.create({
        data: {
          providerEventId: `idem-${n}`,
          eventType,
          payload: { event_type: eventType, idempotency_key: `idem-${n}` },
          signature: 't=1,v1=00',
          status,
          errorMessage,
          receivedAt: new Date(`2026-03-01T1${n}:00:00.000Z`),
        },
      });
    appliedId = (await store(0, 'APPLIED', 'payment.sent', null)).id;
    failedId = (await store(1, 'FAILED', 'payment.removed', 'database went away')).id;
  });
  afterAll(async () => {
    await Promise.all(Object.values(queues ?? {}).map((q) => q.close()));
    connection?.disconnect();
    await ctx?.cleanup();
  });

  it('lists and replays stored events, as the API does', async () => {
    const listed = await runCliProcess(['provider-events', 'list'], env);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toBe(
      `${failedId}  FAILED  payment.removed  2026-03-01T11:00:00.000Z  -  database went away\n` +
        `${appliedId}  APPLIED  payment.sent  2026-03-01T10:00:00.000Z  -  \n`,
    );
    const failedOnly = await runCliProcess(['provider-events', 'list', '--status', 'failed', '--limit', '5'], env);
    expect(failedOnly.stdout.split('\n').filter(Boolean)).toHaveLength(1);
    expect(failedOnly.stdout).toContain(failedId);
    const byType = await runCliProcess(['provider-events', 'list', '--type', 'payment.sent', '--limit', '1'], env);
    expect(byType.stdout).toMatch(new RegExp(`^${appliedId}  APPLIED`));

    const replayed = await runCliProcess(['provider-events', 'replay', failedId, '--actor', 'alice'], env);
    expect(replayed.code, replayed.stderr).toBe(0);
    const jobId = providerEventJobId(failedId, 1);
    expect(replayed.stdout).toBe(`replayed event ${failedId} (was FAILED) as job ${jobId}\n`);
    expect(await ctx.db.riseWorksWebhookEvent.findUniqueOrThrow({ where: { id: failedId } })).toMatchObject({
      status: 'RECEIVED',
      requeueCount: 1,
    });
    expect((await queues[QueueName.providerEvents].getJob(jobId))?.data).toEqual({ eventId: failedId });
    const audit = await ctx.db.disbursementAuditLog.findFirstOrThrow({ where: { action: 'provider_event.replayed' } });
    expect(audit).toMatchObject({ actor: 'cli:alice', fromStatus: 'FAILED', toStatus: 'RECEIVED' });

    const applied = await runCliProcess(['provider-events', 'replay', appliedId, '--actor', 'alice'], env);
    expect(applied.code).toBe(1);
    expect(applied.stderr).toMatch(/the event is APPLIED/);
    expect((await ctx.db.riseWorksWebhookEvent.findUniqueOrThrow({ where: { id: appliedId } })).status).toBe('APPLIED');
    const unknown = await runCliProcess(['provider-events', 'replay', 'no-such-event', '--actor', 'alice'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/provider event no-such-event not found/);
    // Six CLI processes, each starting Node and tsx: a bound for a loaded 2-core machine, not a timing check.
  }, 180_000);

  it('refuses a wrong command line with 2 before touching anything', async () => {
    for (const args of [
      ['provider-events'],
      ['provider-events', 'replay', failedId],
      ['provider-events', 'replay', failedId, '--actor', 'a b'],
      ['provider-events', 'list', '--status', 'DONE'],
      ['provider-events', 'list', 'extra'],
      ['reversals', 'list', '--limit', '201'],
    ]) {
      const result = await runCliProcess(args, env);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(/^payouts: .+\n\nUsage: payouts <command>/);
    }
  }, 180_000);

  it('lists reversals: amount, when, the commission now, and whether anything pays it again', async () => {
    const none = await runCliProcess(['reversals', 'list'], env);
    expect(none.code, none.stderr).toBe(0);
    expect(none.stdout).toBe('No reversals.\n');

    // A payment the provider removed, as the worker leaves it: REVERSED, no longer live, commission APPROVED.
    await insertAffiliate(ctx.db, { commissions: ['60.00'] });
    await createBatches({ db: ctx.db }, { provider: 'MOCK', minPayout: '50.00', maxBatchSize: 10 }, { actor: 'test' });
    const payment = await ctx.db.disbursementTransaction.findFirstOrThrow();
    await ctx.db.disbursementTransaction.update({
      where: { id: payment.id },
      data: {
        status: 'REVERSED',
        liveCommissionId: null,
        providerTxId: 'pay_1',
        completedAt: new Date('2026-03-02T08:00:00.000Z'),
        reversedAt: new Date('2026-03-02T09:00:00.000Z'),
        errorMessage: 'chargeback',
      },
    });
    const listed = await runCliProcess(['reversals', 'list'], env);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toBe(
      `${payment.id}  60.00  2026-03-02T09:00:00.000Z  commission APPROVED  not repaid yet  chargeback\n`,
    );
  }, 60_000);
});
