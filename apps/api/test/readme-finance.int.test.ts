import { insertAffiliate, makeTestContext, spawnWorker, type TestContext, type WorkerProcess } from '@payouts/testing';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from './support/api-harness.ts';
import { exampleFieldNames, fieldNamesIn, readmeRequests, readmeSection } from './support/readme-requests.ts';

// The README's "For finance" requests, as a finance operator would paste them, against a running API and
// worker after a batch was paid: JSON answers have every field the README shows, CSV answers start with
// the header the README shows and parse.
describe("the README's finance reports", () => {
  let ctx: TestContext;
  let api: TestApi;
  let worker: WorkerProcess;
  let origin: string;

  beforeAll(async () => {
    ctx = await makeTestContext();
    api = await startTestApi(ctx);
    origin = await api.app.listen({ host: '127.0.0.1', port: 0 });
    worker = await spawnWorker({
      DATABASE_URL: ctx.databaseUrl,
      REDIS_URL: ctx.redisUrl,
      QUEUE_PREFIX: ctx.queuePrefix,
    });
  });
  afterAll(async () => {
    await api?.close();
    expect(await worker?.stop()).toBe(0);
    await ctx?.cleanup();
  });

  it('answers every request it shows as it shows', async () => {
    const { affiliateId } = await insertAffiliate(ctx.db, { commissions: ['60.00', '0.10', '0.20'] });
    const created = await api.call('POST', '/batches?wait=30', 'admin', { affiliateIds: [affiliateId] });
    const batchId: string = created.body.batches[0].id;
    expect((await api.call('POST', `/batches/${batchId}/execute`, 'admin')).status).toBe(202);
    expect((await api.call('GET', `/batches/${batchId}?wait=60`)).body.batch.status).toBe('COMPLETED');

    const requests = readmeRequests(readmeSection('For finance'));
    expect(requests.length).toBeGreaterThanOrEqual(7);
    const today = new Date().toISOString().slice(0, 10);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const vars: Record<string, string> = {
      KEY: api.keys.operator,
      API: `${origin}/api/disbursement`,
      BATCH: batchId,
      AFFILIATE: affiliateId,
      FROM: today,
      TO: tomorrow,
    };
    const expand = (text: string) =>
      text.replace(/\$([A-Z]+)/g, (_, name: string) => {
        const value = vars[name];
        if (value === undefined) throw new Error(`$${name} is not set by the README`);
        return value;
      });

    for (const request of requests) {
      const response = await fetch(expand(request.url), {
        method: request.method,
        headers: Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, expand(v)])),
      });
      const text = await response.text();
      const seen = `${request.command}\n-> ${response.status} ${text.slice(0, 2000)}`;
      expect(response.status, seen).toBe(request.expectedStatus);
      if (response.headers.get('content-type')?.startsWith('text/csv')) {
        expect(text.split('\r\n')[0], seen).toBe(request.exampleAnswer.trim());
        expect(parse(text, { columns: true }).length, seen).toBeGreaterThan(0);
        continue;
      }
      const fields = fieldNamesIn(JSON.parse(text));
      for (const name of exampleFieldNames(request.exampleAnswer))
        expect(fields.has(name), `${name} in ${seen}`).toBe(true);
    }
  });
});
