import { QueueName } from '@payouts/queue';
import { insertAffiliate, makeTestContext, type TestContext } from '@payouts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowCounts, startTestApi, type TestApi } from './support/api-harness.ts';

// @fastify/under-pressure samples the event loop every 10 ms and, each second, takes the mean delay minus
// those 10 ms. A 5 s busy loop gives the second that ends with it a mean of at least (5000 - 10) / 101 ≈ 49 ms,
// so 39 ms once the 10 are taken off, wherever the second starts (3 s gave only 19.6 ms at worst, and this test
// failed now and then). 25 ms is below that and well above an idle loop's, even on a loaded machine (a few ms).
const thresholdMs = 25;
const busyMs = 5000;

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

  const getOn = (target: TestApi, url: string) =>
    target.app.inject({ url, headers: { authorization: `Bearer ${target.keys.admin}` } });
  const get = (url: string) => getOn(api, url);

  /** Asks every 20 ms until the answer's status is (or is not) 503, for at most `ms`; the last answer. */
  async function pollUntilOn(target: TestApi, shed: boolean, ms: number) {
    const until = performance.now() + ms;
    for (;;) {
      const answer = await getOn(target, '/api/disbursement/batches');
      if ((answer.statusCode === 503) === shed || performance.now() > until) return answer;
      await sleep(20);
    }
  }
  const pollUntil = (shed: boolean, ms: number) => pollUntilOn(api, shed, ms);

  /** Whether, within `ms`, a read and /readyz both answer 200 (ready, nothing shed). */
  async function calmOn(target: TestApi, ms: number) {
    const until = performance.now() + ms;
    for (;;) {
      const read = await getOn(target, '/api/disbursement/batches');
      const readyz = await target.app.inject({ url: '/readyz' });
      if (read.statusCode === 200 && readyz.statusCode === 200) return true;
      if (performance.now() > until) return false;
      await sleep(20);
    }
  }
  const calm = (ms: number) => calmOn(api, ms);

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

  it('sheds on event-loop utilization (MAX_EVENT_LOOP_UTILIZATION) with the delay check off, and recovers', async () => {
    // A loop busy for a whole sample is at 100%: above 0.9, whatever the delay.
    const busy = await startTestApi(ctx, { MAX_EVENT_LOOP_UTILIZATION: '0.9' });
    try {
      expect(await calmOn(busy, 10_000)).toBe(true);
      blockEventLoop(busyMs);
      const shed = await pollUntilOn(busy, true, 3000);
      expect(shed.statusCode).toBe(503);
      expect(shed.json().error.code).toBe('UNAVAILABLE');
      expect((await busy.app.inject({ url: '/healthz' })).statusCode).toBe(200);
      expect(await calmOn(busy, 5000)).toBe(true);
    } finally {
      await busy.close();
    }
  });

  it('refuses at once past MAX_REQUESTS_IN_FLIGHT, while the requests inside wait for the database, and recovers', async () => {
    // One database connection, held by a transaction: every request inside waits for it, with an idle loop.
    const limited = await startTestApi(ctx, { MAX_REQUESTS_IN_FLIGHT: '3', DATABASE_POOL_SIZE: '1' });
    try {
      let release = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      let holding = () => {};
      const isHolding = new Promise<void>((resolve) => {
        holding = resolve;
      });
      const transaction = limited.deps.db.$transaction(
        async () => {
          holding();
          await held;
        },
        { timeout: 30_000 },
      );
      await isHolding;
      const inside = [1, 2, 3].map(() => getOn(limited, '/api/disbursement/batches'));
      await sleep(200);
      const refused = await Promise.all([1, 2].map(() => getOn(limited, '/api/disbursement/batches')));
      for (const answer of refused) {
        expect(answer.statusCode).toBe(503);
        expect(answer.headers['retry-after']).toBe('5');
        expect(answer.json().error.code).toBe('UNAVAILABLE');
      }
      // A liveness probe is never refused.
      expect((await limited.app.inject({ url: '/healthz' })).statusCode).toBe(200);
      release();
      await transaction;
      for (const answer of await Promise.all(inside)) expect(answer.statusCode).toBe(200);
      // Each finished request left the count: three more fit again.
      const again = await Promise.all([1, 2, 3].map(() => getOn(limited, '/api/disbursement/batches')));
      for (const answer of again) expect(answer.statusCode).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('sheds on the heap in use too (MAX_HEAP_USED_MB), with the event-loop checks off', async () => {
    // Any heap is above 1 MB: once the first sample is taken (1 s after start), everything but /healthz is shed.
    const small = await startTestApi(ctx, { MAX_HEAP_USED_MB: '1' });
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
