import { createApiKey } from '@payouts/core';
import {
  type ApiProcess,
  insertAffiliate,
  makeTestContext,
  parsePrometheusText,
  spawnApi,
  spawnWorker,
  type TestContext,
  type WorkerProcess,
} from '@payouts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readmeRequests, readmeSection } from './support/readme-requests.ts';

// The README's "For on-call" requests against a running API and worker (as processes, metrics on free
// ports standing in for 9464 and 9465) after a batch was paid: each answer parses as Prometheus text and
// has every metric the README shows.
describe("the README's on-call metrics", () => {
  let ctx: TestContext;
  let api: ApiProcess;
  let worker: WorkerProcess;

  beforeAll(async () => {
    ctx = await makeTestContext();
    const env = { DATABASE_URL: ctx.databaseUrl, REDIS_URL: ctx.redisUrl, QUEUE_PREFIX: ctx.queuePrefix };
    [api, worker] = await Promise.all([spawnApi(env), spawnWorker({ ...env, WORKER_METRICS_PORT: '0' })]);
  });
  afterAll(async () => {
    await api?.stop();
    expect(await worker?.stop()).toBe(0);
    await ctx?.cleanup();
  });

  it('answers every request it shows with the metrics it names', async () => {
    const key = (await createApiKey({ db: ctx.db }, { role: 'admin', name: 'on-call' })).key;
    await insertAffiliate(ctx.db, { commissions: ['60.00', '15.25'] });
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const created = await fetch(`${api.url}/api/disbursement/batches?wait=30`, { method: 'POST', headers, body: '{}' });
    const batchId = ((await created.json()) as { batches: { id: string }[] }).batches[0]?.id;
    await fetch(`${api.url}/api/disbursement/batches/${batchId}/execute`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}` },
    });
    const settled = await fetch(`${api.url}/api/disbursement/batches/${batchId}?wait=60`, { headers });
    expect(((await settled.json()) as { batch: { status: string } }).batch.status).toBe('COMPLETED');

    const origins: Record<string, string> = {
      'http://127.0.0.1:9464': new URL(api.metricsUrl ?? '').origin,
      'http://127.0.0.1:9465': new URL(worker.metricsUrl ?? '').origin,
    };
    const requests = readmeRequests(readmeSection('For on-call'));
    expect(requests).toHaveLength(2);
    for (const request of requests) {
      const url = Object.entries(origins).reduce((u, [shown, real]) => u.replace(shown, real), request.url);
      const response = await fetch(url);
      const text = await response.text();
      expect(response.status, request.command).toBe(request.expectedStatus);
      expect(() => parsePrometheusText(text)).not.toThrow();
      const shown = [...new Set(request.exampleAnswer.match(/payouts_[a-z_]+/g))];
      expect(shown.length).toBeGreaterThan(3);
      for (const name of shown) expect(text, `${name} at ${request.url}`).toContain(name);
    }
  });
});
