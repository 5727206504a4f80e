import { QueueName } from '@payouts/queue';
import { insertAffiliate, makeTestContext, type TestContext } from '@payouts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowCounts, startTestApi, type TestApi } from './support/api-harness.ts';

// @fastify/under-pressure samples the event loop every 10 ms and averages the delay over 1 s: a 3 s busy loop
// gives the sample that ends with it a mean of at least (3000 - 10) / 101 ≈ 29.6 ms, wherever the second
// starts. 25 ms is below that and well above an idle loop's, even on a loaded machine (a few ms).
const thresholdMs = 25;
const busyMs = 3000;

function blockEventLoop(ms: number) {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy: nothing else runs, as under a CPU-heavy overload
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('load shedding: an overloaded API answers 503 UNAVAILABLE with Retry-After', () => {
  let ctx: TestContext;
  let api: TestApi;

  beforeAll(async () => {
    ctx = await makeTestContext();
    api = await startTestApi(ctx, { MAX_EVENT_LOOP_DELAY_MS: String(thresholdMs) });
    // Someone payable: a POST /batches that got through would write a batch, so "changes nothing" means something.
    await insertAffiliate(ctx.db, { commissions: ['60.00'] });
  });
  afterAll(async () => {
    await api?.close();
    await ctx?.cleanup();
  });

  const get = (url: string) => api.app.inject({ url, headers: { authorization: `Bearer ${api.keys.admin}` } });

  /** Asks every 20 ms until the answer's status is (or is not) 503, for at most `ms`; the last answer. */
  async function pollUntil(shed: boolean, ms: number) {
    const until = performance.now() + ms;
    for (;;) {
      const answer = await get('/api/disbursement/batches');
      if ((answer.statusCode === 503) === shed || performance.now() > until) return answer;
      await sleep(20);
    }
  }

  /** Whether, within `ms`, a read and /readyz both answer 200 (ready, nothing shed). */
  async function calm(ms: number) {
    const until = performance.now() + ms;
    for (;;) {
      const [read, readyz] = [await get('/api/disbursement/batches'), await api.app.inject({ url: '/readyz' })];
      if (read.statusCode === 200 && readyz.statusCode === 200) return true;
      if (performance.now() > until) return false;
      await sleep(20);
    }
  }

  it('sheds every API request (and /readyz) while the event loop lags, keeps /healthz, and recovers', async () => {
    // Calm first: building the app blocked the loop too, and the sample that saw it sheds for a second.
    expect(await calm(10_000)).toBe(true);
    const rowsBefore = await rowCounts(ctx.db);
    const jobsBefore = await api.deps.queues[QueueName.createBatch].count();

    blockEventLoop(busyMs);
    const first = await pollUntil(true, 3000);
    expect(first.statusCode).toBe(503);
    // Together, within the same 1 s sample: a write, the probes and a read.
    const [create, readyz, healthz, read] = await Promise.all([
      api.app.inject({
        method: 'POST',
        url: '/api/disbursement/batches',
        headers: { authorization: `Bearer ${api.keys.admin}` },
        payload: {},
      }),
      api.app.inject({ url: '/readyz' }),
      api.app.inject({ url: '/healthz' }),
      get('/api/disbursement/affiliates/payable'),
    ]);
    for (const shed of [first, create, readyz, read]) {
      expect(shed.statusCode).toBe(503);
      expect(shed.headers['retry-after']).toBe('5');
      expect(shed.json()).toEqual({
        error: { code: 'UNAVAILABLE', message: 'the server is overloaded; retry in 5 s' },
      });
      // Refused before anything else, but with the headers every answer has.
      expect(shed.headers['x-content-type-options']).toBe('nosniff');
    }
    expect(healthz.statusCode).toBe(200);
    expect(healthz.json()).toEqual({ status: 'ok' });
    expect(await rowCounts(ctx.db)).toEqual(rowsBefore);
    expect(await api.deps.queues[QueueName.createBatch].count()).toBe(jobsBefore);

    expect(await calm(5000)).toBe(true);
  });

  it('sheds on the heap in use too (MAX_HEAP_USED_MB), with the event-loop check off', async () => {
    // Any heap is above 1 MB: once the first sample is taken (1 s after start), everything but /healthz is shed.
    const small = await startTestApi(ctx, { MAX_EVENT_LOOP_DELAY_MS: '0', MAX_HEAP_USED_MB: '1' });
    try {
      await sleep(1100);
      const shed = await small.call('GET', '/batches');
      expect(shed.status).toBe(503);
      expect(shed.body.error.code).toBe('UNAVAILABLE');
      expect((await small.app.inject({ url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await small.close();
    }
  });
});
