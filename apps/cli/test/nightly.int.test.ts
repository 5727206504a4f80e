import { parseEnv } from '@payouts/config';
import { MaintenanceJob, makeQueues, makeRedis, QueueName, type Queues } from '@payouts/queue';
import { insertAffiliate, makeTestContext, spawnWorker, type TestContext, type WorkerProcess } from '@payouts/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliProcess } from './run-cli.ts';

// `payouts nightly run` records who asked in Postgres and enqueues the maintenance job, as the API's
// POST /schedules/nightly-payout/run does; with --wait it reports the batches a real worker made.

describe('payouts nightly run', () => {
  let ctx: TestContext;
  let connection: Redis;
  let queues: Queues;
  let worker: WorkerProcess | undefined;
  let env: Record<string, string>;

  beforeAll(async () => {
    ctx = await makeTestContext();
    env = { DATABASE_URL: ctx.databaseUrl, REDIS_URL: ctx.redisUrl, QUEUE_PREFIX: ctx.queuePrefix };
    connection = makeRedis(parseEnv(env).REDIS_URL);
    queues = makeQueues({ connection, prefix: ctx.queuePrefix });
    await insertAffiliate(ctx.db, { commissions: ['60.00'] });
    await insertAffiliate(ctx.db, { commissions: ['40.00', '12.34'] });
  });
  afterAll(async () => {
    await worker?.stop();
    await Promise.all(Object.values(queues ?? {}).map((q) => q.close()));
    connection?.disconnect();
    await ctx?.cleanup();
  });

  it('records the request with actor cli:NAME and enqueues its maintenance job', async () => {
    const result = await runCliProcess(['nightly', 'run', '--no-execute', '--actor', 'ann'], env);
    expect(result.code, result.stderr).toBe(0);
    const jobId = /^nightly run started as job (nightly-payout-run-[0-9a-f-]{36}) /.exec(result.stdout)?.[1] ?? '';
    expect(result.stdout).toBe(`nightly run started as job ${jobId} (executes its batches: no; by cli:ann)\n`);

    expect(await ctx.db.jobRequest.findUnique({ where: { id: jobId } })).toMatchObject({
      queue: QueueName.maintenance,
      name: MaintenanceJob.nightlyPayout,
      actor: 'cli:ann',
      params: { autoExecute: false },
      completedAt: null,
    });
    const job = await queues[QueueName.maintenance].getJob(jobId);
    expect(job?.name).toBe(MaintenanceJob.nightlyPayout);
    expect(await job?.getState()).toBe('waiting');
    // No worker ran it: nothing was made. Removed, so that the worker below runs only its own request.
    expect(await ctx.db.paymentBatch.count()).toBe(0);
    await job?.remove();
  }, 60_000);

  it('with --wait, prints the batches the run created and queued for execution', async () => {
    worker = await spawnWorker({ ...env, NIGHTLY_PAYOUT_ENABLED: 'false' });
    const result = await runCliProcess(['nightly', 'run', '--execute', '--actor', 'bob', '--wait', '60'], env);
    expect(result.code, result.stderr).toBe(0);
    const [started, created, ...ids] = result.stdout.trimEnd().split('\n');
    expect(started).toMatch(
      /^nightly run started as job nightly-payout-run-\S+ \(executes its batches: yes; by cli:bob\)$/,
    );
    expect(created).toBe('created 1 batch (their execution is queued):');

    const batches = await ctx.db.paymentBatch.findMany({ where: { createdBy: 'cli:bob' } });
    expect(ids).toEqual(batches.map((b) => b.id));
    expect(batches[0]).toMatchObject({ paymentCount: 3, queuedBy: 'cli:bob' });
    expect(batches[0]?.totalAmount.toFixed(2)).toBe('112.34');

    const again = await runCliProcess(['nightly', 'run', '--actor', 'bob', '--wait', '60'], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(
      /\(executes its batches: as the schedule says; by cli:bob\)\nnobody is payable: no batch created\n$/,
    );
  }, 120_000);
});
