import { insertAffiliate, makeTestContext, spawnWorker, type TestContext, type WorkerProcess } from '@payouts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from './support/api-harness.ts';
import { exampleFieldNames, fieldNamesIn, readmeRequests, readmeSection } from './support/readme-requests.ts';

// The README's walk-through, request by request, as a new user would paste it: against a running API
// and worker, each answer with the status the README shows and every field its example names.
describe("the README's walk-through", () => {
  let ctx: TestContext;
  let api: TestApi;
  let worker: WorkerProcess;
  let origin: string;

  beforeAll(async () => {
    ctx = await makeTestContext();
    api = await startTestApi(ctx);
    origin = await api.app.listen({ host: '127.0.0.1', port: 0 });
    const services = { DATABASE_URL: ctx.databaseUrl, REDIS_URL: ctx.redisUrl, QUEUE_PREFIX: ctx.queuePrefix };
    worker = await spawnWorker({ ...services, NIGHTLY_PAYOUT_ENABLED: 'false' });
  });
  afterAll(async () => {
    await api?.close();
    expect(await worker?.stop()).toBe(0);
    await ctx?.cleanup();
  });

  it('answers every request it shows as it shows', async () => {
    for (let i = 0; i < 3; i++) await insertAffiliate(ctx.db, { commissions: ['60.00', '15.25'] });
    await insertAffiliate(ctx.db, { commissions: ['20.00'] }); // below the minimum: previewed, not paid
    const requests = readmeRequests(readmeSection('Walk-through'));
    expect(requests.length).toBeGreaterThanOrEqual(9);

    // The shell variables of the walk-through, set from the answers as a reader would copy them.
    const vars: Record<string, string> = { KEY: api.keys.admin, API: `${origin}/api/disbursement` };
    const expand = (text: string) =>
      text.replaceAll('http://127.0.0.1:3000', origin).replace(/\$([A-Z]+)/g, (_, name: string) => {
        const value = vars[name];
        if (value === undefined) throw new Error(`$${name} is used before the walk-through sets it`);
        return value;
      });

    for (const request of requests) {
      const response = await fetch(expand(request.url), {
        method: request.method,
        headers: Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, expand(v)])),
        body: request.body === undefined ? undefined : expand(request.body),
      });
      const body = (await response.json()) as Record<string, unknown> & {
        planHash?: string;
        jobId?: string;
        batches?: { id: string }[];
      };
      const seen = `${request.command}\n-> ${response.status} ${JSON.stringify(body).slice(0, 2000)}`;
      expect(response.status, seen).toBe(request.expectedStatus);
      const fields = fieldNamesIn(body);
      for (const name of exampleFieldNames(request.exampleAnswer))
        expect(fields.has(name), `${name} in ${seen}`).toBe(true);

      if (body.planHash) vars.PLAN = body.planHash;
      if (body.jobId?.startsWith('create-')) vars.JOB = body.jobId;
      if (body.batches?.[0]) vars.BATCH = body.batches[0].id;
    }

    // The walk-through's batch was paid, once per commission.
    const batch = await ctx.db.paymentBatch.findUniqueOrThrow({ where: { id: vars.BATCH ?? '' } });
    expect(batch).toMatchObject({ status: 'COMPLETED', paymentCount: 6 });
    expect(batch.totalAmount.toFixed(2)).toBe('225.75');
    expect(await ctx.db.mockProviderPayment.count()).toBe(6);
  });
});
