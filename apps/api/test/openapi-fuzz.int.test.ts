import { signRiseWebhook } from '@payouts/providers';
import { makeTestContext, type TestContext } from '@payouts/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowCounts, startTestApi, type TestApi } from './support/api-harness.ts';
import { seedFuzzData } from './support/fuzz-seed.ts';
import { describeAnswer, problemsOf, type Signer, send } from './support/openapi-fuzz-client.ts';
import { type OpenApiDocument, operationsOf, type RequestOptions, requestsFor } from './support/openapi-requests.ts';

/** Examples per operation: CI runs few with a fixed seed; FUZZ_RUNS=2000 (and FUZZ_SEED) by hand for more. */
const runs = Number(process.env.FUZZ_RUNS ?? 40);
const seed = Number(process.env.FUZZ_SEED ?? 20_261_130);

/** A ?wait= that would hold the request for seconds (no worker runs here): junk must stay short. */
const waitsLong = (text: string) => Number.isInteger(Number(text)) && Number(text) >= 2 && Number(text) <= 120;

/** The webhook's secret here: most webhook requests are signed with it, so that their bodies are read. */
const webhookSecret = 'fuzz-webhook-secret';
const sign: Signer = (rawBody, t) => signRiseWebhook(webhookSecret, rawBody, t);
/** A signature header as Rise writes it, but forged (requests the fuzz signs get a real one when sent). */
const forgedSignature = fc
  .tuple(fc.integer({ min: 0, max: 4_000_000_000 }), fc.stringMatching(/^[0-9a-f]{64}$/))
  .map(([t, mac]) => `t=${t},v1=${mac}`);

function countChanges(before: Record<string, number>, after: Record<string, number>): string[] {
  const tables = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...tables].filter((t) => before[t] !== after[t]).map((t) => `${t} ${before[t]} -> ${after[t]}`);
}

describe('the API answers every request as its OpenAPI document says (fuzz over HTTP)', () => {
  let ctx: TestContext;
  let api: TestApi;
  let baseUrl: string;
  let document: OpenApiDocument;
  let knownStrings: string[];

  beforeAll(async () => {
    ctx = await makeTestContext();
    api = await startTestApi(ctx, { RISE_WEBHOOK_SECRET: webhookSecret });
    knownStrings = await seedFuzzData(ctx, api);
    baseUrl = await api.app.listen({ host: '127.0.0.1', port: 0 });
    const response = await fetch(`${baseUrl}/docs/json`, { headers: { authorization: `Bearer ${api.keys.operator}` } });
    expect(response.status).toBe(200);
    document = (await response.json()) as OpenApiDocument;
  });
  afterAll(async () => {
    await api?.close();
    await ctx?.cleanup();
  });

  it('never fails, answers only documented statuses, 401 without a key, the error shape, and refusals change no row', {
    timeout: Math.max(120_000, runs * 4_000),
  }, async () => {
    const operations = operationsOf(document);
    expect(operations.length).toBeGreaterThan(10);
    const options: RequestOptions = {
      knownStrings,
      overrides: {
        wait: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constant(1) }),
        // A few shared keys, so that keys are reused: for the same request and for another one.
        'idempotency-key': fc.oneof(fc.constantFrom('fuzz-key-1', 'fuzz-key-2'), fc.stringMatching(/^[!-~]{1,40}$/)),
        'x-rise-signature': forgedSignature,
        'rise-signature': forgedSignature,
      },
      junkFor: (name, junk) => (name === 'wait' && waitsLong(junk) ? '-1' : junk),
    };
    const tally = { requests: 0, failures: 0, successes: 0, signedSuccesses: 0 };
    const failedOperations: string[] = [];
    let counts = await rowCounts(ctx.db);

    for (const [index, operation] of operations.entries()) {
      const property = fc.asyncProperty(requestsFor(operation, options), async (request) => {
        const { shown, answer, failure } = await send(baseUrl, operation, request, api.keys, sign);
        tally.requests += 1;
        const after = await rowCounts(ctx.db);
        const problems = answer ? problemsOf(operation, request, answer) : [`no answer: ${failure}`];
        const refused = answer !== undefined && answer.status >= 400 && answer.status < 500;
        const changes = countChanges(counts, after);
        if ((refused || operation.method === 'GET') && changes.length > 0) {
          problems.push(`a ${refused ? 'refused' : 'GET'} request changed row counts: ${changes.join(', ')}`);
        }
        counts = after;
        if (answer && answer.status < 300) tally.successes += 1;
        if (answer && answer.status < 300 && operation.signed) tally.signedSuccesses += 1;
        if (problems.length === 0) return;
        tally.failures += 1;
        const answered = answer ? describeAnswer(answer) : 'no answer';
        throw new Error(`${problems.join('\n')}\nrequest:\n  ${shown}\nanswer: ${answered}`);
      });
      const result = await fc.check(property, { numRuns: runs, seed: seed + index });
      if (result.failed) {
        const error =
          result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance);
        failedOperations.push(
          `${operation.method} ${operation.path}: ${error}\n(fast-check: ${fc.defaultReportMessage(result)})`,
        );
      }
    }

    console.log(
      `openapi fuzz: ${tally.requests} requests, ${tally.failures} failures ` +
        `(${tally.successes} 2xx, ${operations.length} operations, ${runs} runs each, seed ${seed})`,
    );
    if (failedOperations.length > 0) {
      throw new Error(
        `${failedOperations.length} operations broke the document's word:\n\n${failedOperations.join('\n\n')}`,
      );
    }
    // Valid requests reached real rows, not only refusals; signed webhooks got past their signature.
    expect(tally.successes).toBeGreaterThan(0);
    if (operations.some(({ signed }) => signed)) expect(tally.signedSuccesses).toBeGreaterThan(0);
  });
});
