import { parseEnv } from '@payouts/config';
import { createBatches, queueBatchExecution, waitForSettledBatch } from '@payouts/core';
import { enqueue, executeJobId, makeQueues, makeRedis, QueueName, type Queues } from '@payouts/queue';
import {
  insertAffiliate,
  insertPayableAffiliates,
  makeTestContext,
  spawnWorker,
  type TestContext,
  type WorkerProcess,
} from '@payouts/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliProcess, startCliProcess } from './run-cli.ts';

// `payouts batches list | show | watch` over batches a real worker (its own process, mock provider)
// executes, checked against what Postgres holds.

const admin = { actor: 'test:admin' };

describe('payouts batches', () => {
  let ctx: TestContext;
  let connection: Redis;
  let queues: Queues;
  let worker: WorkerProcess | undefined;
  let env: Record<string, string>;
  /** Executed: two payments made, one refused for good. */
  let failedBatchId: string;
  /** Created after it and never executed. */
  let pendingBatchId: string;

  async function createBatch(minPayout = '50.00'): Promise<string> {
    const created = await createBatches({ db: ctx.db }, { provider: 'MOCK', minPayout, maxBatchSize: 10_000 }, admin);
    const batchId = created.batches[0]?.id;
    if (!batchId) throw new Error('nothing payable');
    return batchId;
  }

  async function execute(batchId: string): Promise<void> {
    await queueBatchExecution({ db: ctx.db }, batchId, admin);
    await enqueue(queues, QueueName.executeBatch, { batchId }, executeJobId(batchId));
  }

  /** Postgres's own count and sum per transaction status of the batch. */
  async function statusRows(batchId: string) {
    const groups = await ctx.db.disbursementTransaction.groupBy({
      by: ['status'],
      where: { batchId },
      _count: { _all: true },
      _sum: { amount: true },
    });
    return Object.fromEntries(
      groups.map((g) => [g.status, { count: g._count._all, amount: g._sum.amount?.toFixed(2) ?? '0.00' }]),
    );
  }

  beforeAll(async () => {
    ctx = await makeTestContext();
    env = { DATABASE_URL: ctx.databaseUrl, REDIS_URL: ctx.redisUrl, QUEUE_PREFIX: ctx.queuePrefix };
    connection = makeRedis(parseEnv(env).REDIS_URL);
    queues = makeQueues({ connection, prefix: ctx.queuePrefix });
    await insertAffiliate(ctx.db, { commissions: ['60.00'] });
    await insertAffiliate(ctx.db, { commissions: ['50.25', '20.50'] });
    const refused = await insertAffiliate(ctx.db, { commissions: ['99.99'] });
    worker = await spawnWorker({
      ...env,
      NIGHTLY_PAYOUT_ENABLED: 'false',
      MOCK_PROVIDER_FAULTS_BY_PAYEE: `${refused.riseId}=permanent`,
      // slow enough that a watch sees the batch half-paid
      MOCK_PROVIDER_LATENCY_MS: '25',
      WORKER_CONCURRENCY: '4',
    });
    failedBatchId = await createBatch();
    await execute(failedBatchId);
    const settled = await waitForSettledBatch({ db: ctx.db }, failedBatchId, 60);
    expect(settled.status).toBe('FAILED');
    await insertAffiliate(ctx.db, { commissions: ['75.00'] });
    pendingBatchId = await createBatch();
  }, 120_000);

  afterAll(async () => {
    await worker?.stop();
    await Promise.all(Object.values(queues ?? {}).map((q) => q.close()));
    connection?.disconnect();
    await ctx?.cleanup();
  });

  it('lists batches newest first, with their exact totals, by status and up to a limit', async () => {
    const [failed, pending] = await Promise.all(
      [failedBatchId, pendingBatchId].map((id) => ctx.db.paymentBatch.findUniqueOrThrow({ where: { id } })),
    );
    const line = (b: typeof failed) =>
      `${b?.id}  ${b?.batchNumber}  ${b?.status.padEnd(10)}  ${String(b?.paymentCount).padStart(6)}  ` +
      `${b?.totalAmount.toFixed(2).padStart(12)}  ${b?.createdAt.toISOString()}`;

    const all = await runCliProcess(['batches', 'list'], env);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toBe(`${line(pending)}\n${line(failed)}\n`);
    expect(all.stdout).toMatch(/ {2}FAILED +4 +230\.74 {2}/);

    const onlyFailed = await runCliProcess(['batches', 'list', '--status', 'failed'], env);
    expect(onlyFailed.stdout).toBe(`${line(failed)}\n`);
    const newest = await runCliProcess(['batches', 'list', '--limit', '1'], env);
    expect(newest.stdout).toBe(`${line(pending)}\n`);
    expect(newest.stderr).toContain('more with --limit');
    expect((await runCliProcess(['batches', 'list', '--status', 'PAID'], env)).code).toBe(2);
  }, 120_000);

  it("shows an executed batch's summary: counts and amounts per status, times, the failed payment and why", async () => {
    const shown = await runCliProcess(['batches', 'show', failedBatchId], env);
    expect(shown.code, shown.stderr).toBe(0);
    const batch = await ctx.db.paymentBatch.findUniqueOrThrow({ where: { id: failedBatchId } });
    const failed = await ctx.db.disbursementTransaction.findFirstOrThrow({
      where: { batchId: failedBatchId, status: 'FAILED' },
    });
    expect(statusTable(shown.stdout)).toEqual(await statusRows(failedBatchId));
    expect(statusTable(shown.stdout)).toEqual({
      COMPLETED: { count: 3, amount: '130.75' },
      FAILED: { count: 1, amount: '99.99' },
    });
    expect(shown.stdout).toContain(`Batch ${failedBatchId}  ${batch.batchNumber}  FAILED  (MOCK, USD)\n`);
    expect(shown.stdout).toContain('  payments    4, settled 4/4\n  total       230.74\n');
    expect(shown.stdout).toContain(`  started     ${batch.executedAt?.toISOString()}, queued by test:admin\n`);
    expect(shown.stdout).toContain(`  failed      ${batch.failedAt?.toISOString()} (took `);
    expect(failed.errorMessage).toBeTruthy();
    expect(shown.stdout).toContain(`Failed payments (1):\n  ${failed.transactionId}  99.99  ${failed.errorMessage}\n`);

    // A batch that has settled already: its summary at once, and 1 because a payment failed.
    const watched = await runCliProcess(['batches', 'watch', failedBatchId], env);
    expect(watched.code).toBe(1);
    expect(watched.stdout).toContain(shown.stdout);
  }, 120_000);

  it('an unknown batch id is a clear error and exit 1', async () => {
    for (const action of ['show', 'watch']) {
      const result = await runCliProcess(['batches', action, 'no-such-batch'], env);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe('payouts: batch no-such-batch not found\n');
    }
  }, 120_000);

  it('stops watching on Ctrl-C with exit 130 and nothing on stderr', async () => {
    const watch = startCliProcess(['batches', 'watch', pendingBatchId, '--interval-ms', '100'], env);
    await watch.waitFor(/batch PENDING\n/, 60);
    watch.child.kill('SIGINT');
    expect(await watch.exited).toEqual({ code: 130, signal: null });
    expect(watch.stderr()).toBe('');
    // It only watched: the batch is as it was.
    expect((await ctx.db.paymentBatch.findUniqueOrThrow({ where: { id: pendingBatchId } })).status).toBe('PENDING');
  }, 120_000);

  it('follows a batch the worker pays, then prints the summary Postgres agrees with and exits 0', async () => {
    await insertPayableAffiliates(ctx.db, 300, 1);
    const batchId = await createBatch('10.00');
    const watch = startCliProcess(['batches', 'watch', batchId, '--interval-ms', '100'], env);
    // Started before the execution: its first line shows nothing paid yet.
    await watch.waitFor(/^0\/300 {2}0\.0% .* batch PENDING$/m, 60);
    await execute(batchId);
    const exit = await Promise.race([watch.exited, sleep(90_000).then(() => 'still running')]);
    expect(exit, watch.stdout() + watch.stderr()).toEqual({ code: 0, signal: null });
    expect(watch.stderr()).toBe('');

    const output = watch.stdout();
    const batch = await ctx.db.paymentBatch.findUniqueOrThrow({ where: { id: batchId } });
    expect(batch.status).toBe('COMPLETED');
    expect(output).toMatch(
      new RegExp(
        `^Watching batch ${batchId} \\(${batch.batchNumber}\\): 300 payments, total ${batch.totalAmount.toFixed(2)};`,
      ),
    );
    const progressLines = output.split('\n').filter((l) => /^[\d,]+\/300 {2}/.test(l));
    expect(new Set(progressLines).size, output).toBeGreaterThanOrEqual(2);
    expect(progressLines.at(-1)).toMatch(/^300\/300 {2}100\.0% {2}COMPLETED 300 {2}FAILED 0 .* batch COMPLETED$/);
    // Not a terminal: no redrawing, and no line repeated.
    expect(output).not.toContain('\r');
    expect(new Set(progressLines).size).toBe(progressLines.length);

    expect(statusTable(output)).toEqual(await statusRows(batchId));
    expect(output).toContain(`Batch ${batchId}  ${batch.batchNumber}  COMPLETED  (MOCK, USD)\n`);
    expect(output).not.toContain('Failed payments');
  }, 180_000);
});

/** The summary's "status count amount" rows, read back. */
function statusTable(output: string): Record<string, { count: number; amount: string }> {
  const rows = [...output.matchAll(/^ {2}([A-Z]+) +([\d,]+) +(\d+\.\d{2})$/gm)];
  return Object.fromEntries(
    rows.map(([, status, count, amount]) => [status, { count: Number(count?.replaceAll(',', '')), amount }]),
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
