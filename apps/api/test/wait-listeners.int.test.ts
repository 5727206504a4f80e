import { makeRedis, QueueName } from '@payouts/queue';
import { makeTestContext, type TestContext } from '@payouts/testing';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForJob } from '../src/job-view.ts';
import { startTestApi, type TestApi } from './support/api-harness.ts';

/** Runs `work` and returns the process warnings emitted meanwhile (they arrive on a later tick). */
async function warningsDuring(work: () => Promise<void>): Promise<Error[]> {
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => warnings.push(warning);
  process.on('warning', onWarning);
  try {
    await work();
    await new Promise((resolve) => setTimeout(resolve, 50));
  } finally {
    process.off('warning', onWarning);
  }
  return warnings;
}

const listenerLeaks = (warnings: Error[]) =>
  warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning').map((warning) => warning.message);

describe('?wait= under load', () => {
  let ctx: TestContext;
  let api: TestApi;

  beforeAll(async () => {
    ctx = await makeTestContext();
    api = await startTestApi(ctx);
  });
  afterAll(async () => {
    await api?.close();
    await ctx?.cleanup();
  });

  it('answers 100 concurrent POST /batches?wait=2 with 202 (no worker runs) without a listener-leak warning', async () => {
    const statuses: number[] = [];
    const warnings = await warningsDuring(async () => {
      const answers = await Promise.all(
        Array.from({ length: 100 }, () => api.call('POST', '/batches?wait=2', 'admin', {})),
      );
      statuses.push(...answers.map((answer) => answer.status));
    });
    expect(statuses).toEqual(Array.from({ length: 100 }, () => 202));
    expect(listenerLeaks(warnings)).toEqual([]);
    // Every wait stopped listening: what is left is the one shared listener per event.
    const events = api.deps.queueEvents[QueueName.createBatch];
    expect(events?.listenerCount('completed')).toBe(1);
    expect(events?.listenerCount('failed')).toBe(1);
  });
});

describe('waitForJob', () => {
  let ctx: TestContext;
  let queue: Queue;
  let events: QueueEvents;
  const connection = () => makeRedis(ctx.redisUrl, 'worker');

  beforeAll(async () => {
    ctx = await makeTestContext();
    queue = new Queue('wait-test', { connection: connection(), prefix: ctx.queuePrefix });
    events = new QueueEvents('wait-test', { connection: connection(), prefix: ctx.queuePrefix });
    await events.waitUntilReady();
  });
  afterAll(async () => {
    await events?.close();
    await queue?.close();
    await ctx?.cleanup();
  });

  const runWorker = () =>
    new Worker(
      'wait-test',
      async (job) => {
        if (job.data.fail) throw new Error(`job ${job.data.n} refused`);
        return { n: job.data.n };
      },
      { connection: connection(), prefix: ctx.queuePrefix, concurrency: 20 },
    );

  it('gives each of 50 concurrent waits its own job result once a worker finishes them', async () => {
    const jobs = await Promise.all(
      Array.from({ length: 50 }, (_, n) => queue.add('work', { n }, { jobId: `concurrent-${n}` })),
    );
    let worker: Worker | undefined;
    const warnings = await warningsDuring(async () => {
      const waits = jobs.map((job) => waitForJob<{ n: number }>(queue, job, events, 20));
      worker = runWorker();
      const outcomes = await Promise.all(waits);
      expect(outcomes).toEqual(jobs.map((_, n) => ({ state: 'completed', result: { n } })));
    });
    await worker?.close();
    expect(listenerLeaks(warnings)).toEqual([]);
  });

  it('answers at once for a job that finished before the wait began, completed or failed', async () => {
    const worker = runWorker();
    const done = await queue.add('work', { n: 7 }, { jobId: 'finished-early' });
    const refused = await queue.add('work', { n: 8, fail: true }, { jobId: 'failed-early', attempts: 1 });
    await done.waitUntilFinished(events, 10_000);
    await expect(refused.waitUntilFinished(events, 10_000)).rejects.toThrow('job 8 refused');
    await worker.close();

    // No event will come for these any more: only looking at the jobs can answer.
    expect(await waitForJob(queue, done, events, 3)).toEqual({ state: 'completed', result: { n: 7 } });
    expect(await waitForJob(queue, refused, events, 3)).toEqual({ state: 'failed', reason: 'job 8 refused' });
  });

  it('reports pending when the job does not finish in time', async () => {
    const job = await queue.add('work', { n: 9 }, { jobId: 'never-run' });
    expect(await waitForJob(queue, job, events, 1)).toEqual({ state: 'pending' });
  });
});
