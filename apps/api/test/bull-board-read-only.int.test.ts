import { QueueName } from '@payouts/queue';
import { makeTestContext, type TestContext } from '@payouts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from './support/api-harness.ts';

// Every action Bull Board 9.10 offers that changes a queue, as its own UI sends them.
const writeActions = (queue: string, jobId: string): [string, string, unknown?][] => [
  ['POST', `/api/queues/${queue}/add`, { name: queue, data: { batchId: 'b' }, options: {} }],
  ['PUT', `/api/queues/${queue}/retry/failed`],
  ['PUT', `/api/queues/${queue}/retry/completed`],
  ['PUT', `/api/queues/${queue}/promote`],
  ['PUT', `/api/queues/${queue}/clean/completed`],
  ['PUT', `/api/queues/${queue}/pause`],
  ['PUT', `/api/queues/${queue}/resume`],
  ['PUT', `/api/queues/${queue}/empty`],
  ['PUT', `/api/queues/${queue}/obliterate`],
  ['PUT', `/api/queues/${queue}/concurrency`, { concurrency: 1 }],
  ['PUT', `/api/queues/${queue}/rate-limit`, { max: 1, duration: 1000 }],
  ['PUT', `/api/queues/${queue}/rate-limit/release`],
  ['PUT', '/api/queues/pause'],
  ['PUT', '/api/queues/resume'],
  ['PUT', `/api/queues/${queue}/job-schedulers/reconcile/remove`],
  ['PATCH', `/api/queues/${queue}/job-schedulers/reconcile`, { every: 1000 }],
  ['PUT', `/api/queues/${queue}/job-schedulers/reconcile/run`],
  ['PUT', `/api/queues/${queue}/${jobId}/retry`],
  ['PUT', `/api/queues/${queue}/${jobId}/clean`],
  ['PUT', `/api/queues/${queue}/${jobId}/promote`],
  ['PATCH', `/api/queues/${queue}/${jobId}/update-data`, { data: { batchId: 'other' } }],
  ['PATCH', `/api/queues/${queue}/${jobId}/delay`, { delay: 0 }],
  ['PATCH', `/api/queues/${queue}/${jobId}/priority`, { priority: 1 }],
  ['PUT', `/api/queues/${queue}/${jobId}/remove-unprocessed-children`],
];

describe('Bull Board watches, it does not act', () => {
  let ctx: TestContext;
  let api: TestApi;
  let baseUrl: string;

  beforeAll(async () => {
    ctx = await makeTestContext();
    api = await startTestApi(ctx);
    baseUrl = await api.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await api?.close();
    await ctx?.cleanup();
  });

  const board = (method: string, path: string, key: string, body?: unknown) =>
    fetch(`${baseUrl}/admin/queues${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  it('refuses every action that changes a queue, for operators and admins alike, and changes nothing', async () => {
    const maintenance = api.deps.queues[QueueName.maintenance];
    await maintenance.upsertJobScheduler('reconcile', { every: 60_000 }, { name: 'reconcile' });
    const delayed = await api.deps.queues[QueueName.executeBatch].add(
      'execute-batch',
      { batchId: 'b1' },
      { jobId: 'execute-b1', delay: 3_600_000 },
    );
    const snapshot = async () => ({
      counts: await api.deps.queues[QueueName.executeBatch].getJobCounts(),
      paused: await api.deps.queues[QueueName.executeBatch].isPaused(),
      job: (await api.deps.queues[QueueName.executeBatch].getJob('execute-b1'))?.data,
      scheduler: await maintenance.getJobScheduler('reconcile'),
      maintenanceCounts: await maintenance.getJobCounts(),
    });
    const before = await snapshot();

    for (const role of ['operator', 'admin'] as const) {
      for (const queue of [QueueName.executeBatch, QueueName.payTransaction, QueueName.maintenance]) {
        for (const [method, path, body] of writeActions(queue, delayed.id ?? '')) {
          const answer = await board(method, path, api.keys[role], body);
          expect(answer.status, `${role} ${method} ${path}`).toBe(405);
          expect(await answer.json()).toMatchObject({ error: { code: 'METHOD_NOT_ALLOWED' } });
        }
      }
    }
    expect(await snapshot()).toEqual(before);
  });

  it('still shows the queues and jobs, read-only, under the product title', async () => {
    const queues = await board('GET', '/api/queues?activeQueue=execute-batch&status=latest&page=1', api.keys.operator);
    expect(queues.status).toBe(200);
    const listed = (await queues.json()) as { queues: { name: string; readOnlyMode: boolean }[] };
    expect(listed.queues.map((q) => q.name).sort()).toEqual(Object.values(QueueName).sort());
    expect(listed.queues.every((q) => q.readOnlyMode)).toBe(true);

    const page = await board('GET', '/', api.keys.operator);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<title>Payouts<\/title>/);
  });
});
