import { randomUUID } from 'node:crypto';
import { createApiKey, formatUsd, parseUsd } from '@payouts/core';
import { signRiseWebhook } from '@payouts/providers';
import { allQueueNames, countedJobStates } from '@payouts/queue';
import {
  type ApiProcess,
  findSample,
  insertAffiliate,
  type MetricFamily,
  makeTestContext,
  parsePrometheusText,
  spawnApi,
  spawnWorker,
  type TestContext,
  type WorkerProcess,
} from '@payouts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { riseWebhookPath } from '../src/routes/webhooks.routes.ts';

// Real processes on real Postgres and Redis: the API and a worker, each with /metrics on a loopback port of
// its own (METRICS_PORT=0 / WORKER_METRICS_PORT=0: any free port, read from the line each one logs).
type Families = Map<string, MetricFamily>;

const webhookSecret = 'whsec_metrics_test_0123456789';
let ctx: TestContext;
let api: ApiProcess;
let worker: WorkerProcess;
let adminKey: string;
let env: Record<string, string>;
const extraWorkers: WorkerProcess[] = [];

beforeAll(async () => {
  ctx = await makeTestContext();
  env = {
    DATABASE_URL: ctx.databaseUrl,
    REDIS_URL: ctx.redisUrl,
    QUEUE_PREFIX: ctx.queuePrefix,
    NIGHTLY_PAYOUT_ENABLED: 'false',
    ACCOUNT_SYNC_CRON: 'off',
  };
  [api, worker] = await Promise.all([
    spawnApi({ ...env, RISE_WEBHOOK_SECRET: webhookSecret }),
    spawnWorker({ ...env, PAY_BACKOFF_MS: '100' }),
  ]);
  adminKey = (await createApiKey({ db: ctx.db }, { role: 'admin', name: 'metrics-test' })).key;
});
afterAll(async () => {
  await Promise.all([api?.stop(), worker?.stop(), ...extraWorkers.map((w) => w.stop())]);
  await ctx?.cleanup();
});

async function scrape(url: string | null): Promise<{ text: string; families: Families }> {
  if (!url) throw new Error('this process logged no metrics URL');
  const response = await fetch(url);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  const text = await response.text();
  // Throws at the first line that is not the Prometheus text format.
  return { text, families: parsePrometheusText(text) };
}

const valueIn = (families: Families, name: string, labels: Record<string, string> = {}) =>
  findSample(families, name, labels)?.value ?? 0;

async function call(method: 'GET' | 'POST', path: string) {
  const response = await fetch(`${api.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${adminKey}`,
      ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
    },
    body: method === 'POST' ? '{}' : undefined,
  });
  // biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

/** Creates and executes a batch of everyone payable over HTTP, and waits for it to settle. */
async function payEveryonePayable(): Promise<{ id: string; paymentCount: number; totalAmount: string }> {
  const created = await call('POST', '/api/disbursement/batches?wait=20');
  expect(created.status).toBe(201);
  const [batch, ...others] = created.body.batches;
  expect(others).toEqual([]);
  expect((await call('POST', `/api/disbursement/batches/${batch.id}/execute?wait=20`)).status).toBe(200);
  const settled = await call('GET', `/api/disbursement/batches/${batch.id}?wait=20`);
  expect(settled.body.batch.status).toBe('COMPLETED');
  return { id: batch.id, paymentCount: batch.paymentCount, totalAmount: batch.totalAmount };
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('/metrics of the API and the worker', () => {
  it('count a batch paid over HTTP exactly: payments, cents, provider calls, HTTP routes; both parse', async () => {
    const commissions = [
      ['30.00', '25.50', '0.01'],
      ['100.10', '0.90'],
      ['49.99', '0.02'],
      ['0.07', '99.93'],
    ];
    for (const amounts of commissions) await insertAffiliate(ctx.db, { commissions: amounts });
    const expectedCents = commissions.flat().reduce((sum, amount) => sum + parseUsd(amount), 0n);
    const workerBefore = (await scrape(worker.metricsUrl)).families;
    const apiBefore = (await scrape(api.metricsUrl)).families;

    const batch = await payEveryonePayable();
    expect(batch).toMatchObject({ paymentCount: 9, totalAmount: formatUsd(expectedCents) });

    const { families: workerAfter, text: workerText } = await scrape(worker.metricsUrl);
    const completed = { outcome: 'completed' };
    expect(valueIn(workerAfter, 'payouts_payment_attempts_total', completed)).toBe(
      valueIn(workerBefore, 'payouts_payment_attempts_total', completed) + 9,
    );
    // Exact integer cents, compared as text through BigInt: no float ever held the money.
    const cents = (families: Families) =>
      BigInt(findSample(families, 'payouts_paid_amount_cents_total', { currency: 'USD' })?.raw ?? '0');
    expect(cents(workerAfter) - cents(workerBefore)).toBe(expectedCents);
    const sends = { provider: 'MOCK', operation: 'sendPayment' };
    expect(valueIn(workerAfter, 'payouts_provider_call_duration_seconds_count', sends)).toBe(
      valueIn(workerBefore, 'payouts_provider_call_duration_seconds_count', sends) + 9,
    );
    expect(workerAfter.get('payouts_provider_errors_total')?.samples).toEqual([]);

    // Queue depths: every queue, every state, read from Redis at scrape time; the batch gauges from Postgres.
    const depths = workerAfter.get('payouts_queue_jobs');
    expect(depths?.type).toBe('gauge');
    expect(new Set(depths?.samples.map((s) => s.labels.queue))).toEqual(new Set(allQueueNames));
    expect(new Set(depths?.samples.map((s) => s.labels.state))).toEqual(new Set(countedJobStates));
    expect(depths?.samples).toHaveLength(allQueueNames.length * countedJobStates.length);
    expect(valueIn(workerAfter, 'payouts_queue_jobs', { queue: 'pay-transaction', state: 'active' })).toBe(0);
    // The batch's 9 payment jobs moved the depths: kept as completed (retention is by count), none left waiting.
    const paymentJobs = (families: Families, state: string) =>
      valueIn(families, 'payouts_queue_jobs', { queue: 'pay-transaction', state });
    expect(paymentJobs(workerAfter, 'completed')).toBe(paymentJobs(workerBefore, 'completed') + 9);
    expect(paymentJobs(workerAfter, 'waiting')).toBe(0);
    expect(findSample(workerAfter, 'payouts_dead_letters_waiting')?.value).toBe(0);
    expect(findSample(workerAfter, 'payouts_batches', { status: 'COMPLETED' })?.value).toBe(1);
    expect(findSample(workerAfter, 'payouts_batches', { status: 'PROCESSING' })?.value).toBe(0);
    expect(findSample(workerAfter, 'payouts_batch_oldest_age_seconds', { status: 'PROCESSING' })?.value).toBe(0);
    expect(findSample(workerAfter, 'process_resident_memory_bytes')?.value).toBeGreaterThan(0);
    expect(workerText).toContain('# TYPE nodejs_eventloop_lag_seconds gauge');

    // The API: each request under its route pattern, never the URL with its ids.
    const { families: apiAfter, text: apiText } = await scrape(api.metricsUrl);
    const requests = (families: Families, method: string, route: string, status: string) =>
      valueIn(families, 'payouts_http_requests_total', { method, route, status });
    const routes: [string, string, string][] = [
      ['POST', '/api/disbursement/batches', '201'],
      ['POST', '/api/disbursement/batches/:batchId/execute', '200'],
      ['GET', '/api/disbursement/batches/:batchId', '200'],
    ];
    for (const [method, route, status] of routes) {
      expect(requests(apiAfter, method, route, status) - requests(apiBefore, method, route, status)).toBe(1);
      const timed = { method, route };
      expect(valueIn(apiAfter, 'payouts_http_request_duration_seconds_count', timed)).toBeGreaterThanOrEqual(1);
    }
    expect(findSample(apiAfter, 'payouts_batches', { status: 'COMPLETED' })?.value).toBe(1);
    expect(new Set(apiAfter.get('payouts_queue_jobs')?.samples.map((s) => s.labels.queue))).toEqual(
      new Set(allQueueNames),
    );
    expect(apiText).not.toContain(batch.id);
  });

  it('label an unknown URL as one route value, never the raw URL', async () => {
    const before = (await scrape(api.metricsUrl)).families;
    expect((await call('GET', '/api/disbursement/no-such-route/item-zq?token=hunter2')).status).toBe(404);
    expect((await call('GET', '/nothing-here')).status).toBe(404);
    const { families: after, text } = await scrape(api.metricsUrl);
    const unmatched = { method: 'GET', route: 'unmatched', status: '404' };
    expect(valueIn(after, 'payouts_http_requests_total', unmatched)).toBe(
      valueIn(before, 'payouts_http_requests_total', unmatched) + 2,
    );
    for (const leaked of ['no-such-route', 'item-zq', 'hunter2', 'nothing-here']) expect(text).not.toContain(leaked);
  });

  it('count webhook receipts on the API and the event applied on the worker', async () => {
    const apiBefore = (await scrape(api.metricsUrl)).families;
    const workerBefore = (await scrape(worker.metricsUrl)).families;
    const body = JSON.stringify({
      object: 'event',
      created: Math.floor(Date.now() / 1000),
      request_id: `req-${randomUUID()}`,
      event_type: 'payment.sent',
      event_version: '1.0',
      idempotency_key: randomUUID(),
      payment: { nanoid: 'pa-000000000042', payment_group_nanoid: 'pg-000000000001', state: 'complete' },
    });
    const deliver = (headers: Record<string, string>) =>
      fetch(`${api.url}${riseWebhookPath}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      }).then((r) => r.status);
    const signature = { 'x-rise-signature': signRiseWebhook(webhookSecret, body, Math.floor(Date.now() / 1000)) };
    expect(await deliver(signature)).toBe(200);
    expect(await deliver(signature)).toBe(200);
    expect(await deliver({})).toBe(401);

    const apiAfter = (await scrape(api.metricsUrl)).families;
    const receipts = (families: Families, outcome: string, status: string) =>
      valueIn(families, 'payouts_webhook_receipts_total', { provider: 'riseworks', outcome, status });
    expect(receipts(apiAfter, 'accepted', '200') - receipts(apiBefore, 'accepted', '200')).toBe(1);
    expect(receipts(apiAfter, 'duplicate', '200') - receipts(apiBefore, 'duplicate', '200')).toBe(1);
    expect(receipts(apiAfter, 'refused', '401') - receipts(apiBefore, 'refused', '401')).toBe(1);

    // No payment of ours carries that key: the worker applies it as IGNORED, and counts it once.
    const ignored = { status: 'IGNORED' };
    const before = valueIn(workerBefore, 'payouts_provider_events_applied_total', ignored);
    const workerAfter = await until(
      async () => (await scrape(worker.metricsUrl)).families,
      (families) => valueIn(families, 'payouts_provider_events_applied_total', ignored) > before,
      'the provider event to be applied',
    );
    expect(valueIn(workerAfter, 'payouts_provider_events_applied_total', ignored)).toBe(before + 1);
  });

  it('are not on the API port, and need no key on the metrics port', async () => {
    for (const key of [null, adminKey]) {
      const response = await fetch(`${api.url}/metrics`, key ? { headers: { authorization: `Bearer ${key}` } } : {});
      expect(response.status).toBe(404);
      expect(await response.text()).not.toContain('payouts_http_requests_total');
    }
    const metricsBase = (api.metricsUrl ?? '').replace(/\/metrics$/, '');
    expect(new URL(metricsBase).port).not.toBe(new URL(api.url).port);
    expect((await fetch(`${metricsBase}/metrics`)).status).toBe(200);
    expect((await fetch(`${metricsBase}/api/disbursement/batches`)).status).toBe(404);
    expect((await fetch(`${metricsBase}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('a second worker whose metrics port is taken warns, runs without /metrics, and pays', async () => {
    const takenPort = new URL(worker.metricsUrl ?? '').port;
    const second = await spawnWorker({ ...env, WORKER_METRICS_PORT: takenPort, PAY_BACKOFF_MS: '100' });
    extraWorkers.push(second);
    expect(second.metricsUrl).toBeNull();
    const warning = second
      .output()
      .split('\n')
      .find((line) => line.includes(`metrics port ${takenPort} is in use`));
    expect(JSON.parse(warning ?? '{}')).toMatchObject({
      level: 40,
      port: Number(takenPort),
      variable: 'WORKER_METRICS_PORT',
    });
    expect(warning).toContain('WORKER_METRICS_PORT');

    // The first worker leaves; the second pays the next batch by itself.
    expect(await worker.stop()).toBe(0);
    await insertAffiliate(ctx.db, { commissions: ['60.00', '0.40'] });
    expect(await payEveryonePayable()).toMatchObject({ paymentCount: 2, totalAmount: '60.40' });
    expect(second.child.exitCode).toBeNull();
  });
});
