import { randomUUID } from 'node:crypto';
import { riseEventEnvelope, riseSignatureHeaders, signRiseWebhook } from '@payouts/providers';
import { QueueName } from '@payouts/queue';
import { makeTestContext, type TestContext } from '@payouts/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { riseEventBody } from '../src/routes/webhooks.responses.ts';
import { riseWebhookPath } from '../src/routes/webhooks.routes.ts';
import { rowCounts, startTestApi, type TestApi } from './support/api-harness.ts';

const secret = 'whsec_test_0123456789abcdef';
/** The API's clock in the first suite, fixed, so that a timestamp 600 or 601 s away is exactly that. */
const clock = Math.floor(Date.now() / 1000);
const nowSeconds = () => clock;

/** A `payment.sent` event as Rise sends it (RISE.md, Webhooks). */
function riseEvent(idempotencyKey: string = randomUUID()): string {
  return JSON.stringify({
    object: 'event',
    created: nowSeconds(),
    request_id: `req-${randomUUID()}`,
    event_type: 'payment.sent',
    event_version: '1.0',
    idempotency_key: idempotencyKey,
    payment: {
      nanoid: `pa-${randomUUID().slice(0, 12)}`,
      payment_group_nanoid: 'pg-000000000001',
      state: 'complete',
      amount_cents: 12_345,
      invoice_description: 'PB-20261201-A79C9210-00001 [pay_webhook_test]',
    },
  });
}

const signed = (body: string, options: { t?: number; key?: string; header?: string } = {}) => ({
  [options.header ?? 'x-rise-signature']: signRiseWebhook(options.key ?? secret, body, options.t ?? nowSeconds()),
});

interface WebhookAnswer {
  status: number;
  allow: string | null;
  // biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field
  body: Record<string, any>;
}

/** POSTs (or another method) to the webhook over a real socket; JSON unless the headers say otherwise. */
async function deliver(
  baseUrl: string,
  body: string | undefined,
  headers: Record<string, string>,
  method = 'POST',
): Promise<WebhookAnswer> {
  const response = await fetch(`${baseUrl}${riseWebhookPath}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body,
  });
  return {
    status: response.status,
    allow: response.headers.get('allow'),
    body: (await response.json()) as WebhookAnswer['body'],
  };
}

const expectError = (answer: WebhookAnswer, status: number, code: string, label: string) => {
  expect(answer.status, label).toBe(status);
  expect(Object.keys(answer.body), label).toEqual(['error']);
  expect(answer.body.error, label).toMatchObject({ code, message: expect.any(String) });
};

describe('POST /api/webhooks/riseworks', () => {
  let ctx: TestContext;
  let api: TestApi;
  let baseUrl: string;
  const logLines: string[] = [];

  beforeAll(async () => {
    ctx = await makeTestContext();
    const logger = pino({ level: 'info' }, { write: (line: string) => void logLines.push(line) });
    api = await startTestApi(ctx, { RISE_WEBHOOK_SECRET: secret }, { logger });
    api.deps.now = () => new Date(clock * 1000);
    baseUrl = await api.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await api?.close();
    await ctx?.cleanup();
  });

  const storedEvents = (idempotencyKey: string) =>
    ctx.db.riseWorksWebhookEvent.findMany({ where: { providerEventId: idempotencyKey } });
  const eventsQueue = () => api.deps.queues[QueueName.providerEvents];

  it('stores a validly signed event once, RECEIVED, and queues the job that applies it', async () => {
    const key = randomUUID();
    const body = riseEvent(key);
    const answer = await deliver(baseUrl, body, signed(body));
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ received: true, duplicate: false, eventId: expect.any(String) });
    const rows = await storedEvents(key);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: answer.body.eventId, eventType: 'payment.sent', status: 'RECEIVED' });
    // Stored as signed: the raw text parses to the same object.
    expect(rows[0]?.payload).toEqual(JSON.parse(body));
    const job = await eventsQueue().getJob(`event-${answer.body.eventId}`);
    expect(job?.data).toEqual({ eventId: answer.body.eventId });

    // Rise retries: the same body, signed anew at a later t. Acknowledged, nothing added.
    const jobsBefore = await eventsQueue().count();
    const again = await deliver(baseUrl, body, signed(body, { t: nowSeconds() + 5 }));
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ received: true, duplicate: true, eventId: answer.body.eventId });
    expect(await storedEvents(key)).toHaveLength(1);
    expect(await eventsQueue().count()).toBe(jobsBefore);

    // The same idempotency_key in another body (another request_id): still the one event.
    const sameKey = riseEvent(key);
    expect(sameKey).not.toBe(body);
    const third = await deliver(baseUrl, sameKey, signed(sameKey, { t: nowSeconds() + 10 }));
    expect(third.body).toEqual({ received: true, duplicate: true, eventId: answer.body.eventId });
    expect(await storedEvents(key)).toHaveLength(1);
    expect(await eventsQueue().count()).toBe(jobsBefore);
  });

  it('reads the signature from Rise-Signature too', async () => {
    expect(riseSignatureHeaders).toEqual(['x-rise-signature', 'rise-signature']);
    const key = randomUUID();
    const body = riseEvent(key);
    const answer = await deliver(baseUrl, body, signed(body, { header: 'Rise-Signature' }));
    expect(answer.status).toBe(200);
    expect(answer.body.duplicate).toBe(false);
    expect(await storedEvents(key)).toHaveLength(1);
  });

  it('accepts a timestamp up to the tolerance (600 s) old or ahead', async () => {
    for (const t of [clock - 600, clock + 600]) {
      const body = riseEvent();
      expect((await deliver(baseUrl, body, signed(body, { t }))).status, `t = now ${t - clock}`).toBe(200);
    }
  });

  it('refuses a forged, missing, malformed, stale or future signature 401, and junk 4xx, storing nothing', async () => {
    const body = riseEvent();
    const notJson = '{"object":"event",';
    const notAnEvent = JSON.stringify({ hello: 'world' });
    const escapedNul = riseEvent().replace('"state":"complete"', '"state":"com\\u0000plete"');
    const rawNul = riseEvent().replace('"state":"complete"', '"state":"com\u0000plete"');
    const huge = JSON.stringify({ ...JSON.parse(riseEvent()), filler: 'a'.repeat(2 * 1024 * 1024) });
    const overRouteLimit = JSON.stringify({ ...JSON.parse(riseEvent()), filler: 'a'.repeat(300 * 1024) });
    const cases: [string, string, Record<string, string>, number, string][] = [
      ['signed with another secret', body, signed(body, { key: 'not-the-secret' }), 401, 'UNAUTHORIZED'],
      ['no signature header', body, {}, 401, 'UNAUTHORIZED'],
      ['a malformed header', body, { 'x-rise-signature': 'v1=abc,t=soon' }, 401, 'UNAUTHORIZED'],
      ['an empty header', body, { 'x-rise-signature': '' }, 401, 'UNAUTHORIZED'],
      ['a signature of another body', body, signed(riseEvent()), 401, 'UNAUTHORIZED'],
      ['a timestamp 601 s old', body, signed(body, { t: nowSeconds() - 601 }), 401, 'UNAUTHORIZED'],
      ['a timestamp 601 s ahead', body, signed(body, { t: nowSeconds() + 601 }), 401, 'UNAUTHORIZED'],
      ['a 2 MiB body', huge, signed(huge), 413, 'PAYLOAD_TOO_LARGE'],
      ['300 KiB: over the route limit of 256 KiB', overRouteLimit, signed(overRouteLimit), 413, 'PAYLOAD_TOO_LARGE'],
      ['signed text that is not JSON', notJson, signed(notJson), 400, 'VALIDATION_FAILED'],
      ['signed JSON that is not an event', notAnEvent, signed(notAnEvent), 400, 'VALIDATION_FAILED'],
      ['a signed event holding \\u0000', escapedNul, signed(escapedNul), 400, 'VALIDATION_FAILED'],
      ['a signed event holding a raw NUL', rawNul, signed(rawNul), 400, 'VALIDATION_FAILED'],
      ['an empty signed body', '', signed(''), 400, 'VALIDATION_FAILED'],
      ['text/plain', body, { ...signed(body), 'content-type': 'text/plain' }, 415, 'UNSUPPORTED_MEDIA_TYPE'],
      [
        'form-encoded',
        'a=1',
        { ...signed('a=1'), 'content-type': 'application/x-www-form-urlencoded' },
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      ],
    ];
    const before = await rowCounts(ctx.db);
    const jobsBefore = await eventsQueue().count();
    for (const [label, text, headers, status, code] of cases) {
      expectError(await deliver(baseUrl, text, headers), status, code, label);
    }
    expect(await rowCounts(ctx.db)).toEqual(before);
    expect(await eventsQueue().count()).toBe(jobsBefore);

    // The 400 for a signed body that is not an event says what is missing.
    const refused = await deliver(baseUrl, notAnEvent, signed(notAnEvent));
    expect(refused.body.error.details).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: 'idempotency_key' })]),
    );
  });

  it('answers GET 405 with Allow: POST, and the admin API keeps its JSON parser', async () => {
    const answer = await deliver(baseUrl, undefined, {}, 'GET');
    expect(answer.status).toBe(405);
    expect(answer.allow).toBe('POST');
    expectError(answer, 405, 'METHOD_NOT_ALLOWED', 'GET');
    const preview = await fetch(`${baseUrl}/api/disbursement/batches/preview`, {
      method: 'POST',
      headers: { authorization: `Bearer ${api.keys.admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({}),
    });
    expect(preview.status).toBe(200);
  });

  it('logs each refusal with its reason, request id and address, never the body or the signature', async () => {
    const marker = `body-marker-${randomUUID()}`;
    const body = JSON.stringify({ ...JSON.parse(riseEvent()), note: marker });
    const forged = signed(body, { key: 'forger' })['x-rise-signature'] ?? '';
    logLines.length = 0;
    expect((await deliver(baseUrl, body, { 'x-rise-signature': forged })).status).toBe(401);
    const stale = signed(body, { t: nowSeconds() - 3600 })['x-rise-signature'] ?? '';
    expect((await deliver(baseUrl, body, { 'x-rise-signature': stale })).status).toBe(401);
    const refusals = logLines.map((line) => JSON.parse(line)).filter((entry) => entry.msg === 'webhook refused');
    expect(refusals).toEqual([
      expect.objectContaining({ level: 40, reason: 'MISMATCH', refused: 'UNAUTHORIZED', reqId: expect.anything() }),
      expect.objectContaining({ level: 40, reason: 'STALE', refused: 'UNAUTHORIZED', reqId: expect.anything() }),
    ]);
    expect(refusals.every((entry) => entry.ip === '127.0.0.1')).toBe(true);
    const everything = logLines.join('\n');
    for (const secretPart of [marker, forged.split('v1=')[1], stale.split('v1=')[1], secret]) {
      expect(everything).not.toContain(secretPart);
    }
  });

  it('documents the envelope as @payouts/providers checks it', () => {
    const withoutDescriptions = (schema: unknown) =>
      JSON.parse(JSON.stringify(schema, (key, value) => (key === 'description' ? undefined : value)));
    expect(withoutDescriptions(z.toJSONSchema(riseEventBody))).toEqual(
      withoutDescriptions(z.toJSONSchema(riseEventEnvelope)),
    );
  });
});

describe('webhook limits per address', () => {
  let ctx: TestContext;
  let api: TestApi;

  beforeAll(async () => {
    ctx = await makeTestContext();
    api = await startTestApi(ctx, {
      RISE_WEBHOOK_SECRET: secret,
      AUTH_FAILURES_PER_MINUTE: '3',
      RATE_LIMIT_PER_MINUTE: '2',
      WEBHOOK_RATE_LIMIT_PER_MINUTE: '5',
    });
  });
  afterAll(async () => {
    await api?.close();
    await ctx?.cleanup();
  });

  const from = async (remoteAddress: string, body: string, headers: Record<string, string>) => {
    const response = await api.app.inject({
      method: 'POST',
      url: riseWebhookPath,
      remoteAddress,
      headers: { 'content-type': 'application/json', ...headers },
      payload: body,
    });
    return {
      status: response.statusCode,
      code: response.json().error?.code,
      retryAfter: response.headers['retry-after'],
    };
  };

  it('counts each bad signature as a failed authentication: 429 past AUTH_FAILURES_PER_MINUTE, per address', async () => {
    const forgeries = [];
    for (let i = 0; i < 5; i++) {
      const body = riseEvent();
      forgeries.push((await from('10.0.0.7', body, signed(body, { key: `guess-${i}` }))).status);
    }
    expect(forgeries).toEqual([401, 401, 401, 429, 429]);
    // Checked before the signature is computed: from this address even a good one waits out the minute.
    const good = riseEvent();
    const blocked = await from('10.0.0.7', good, signed(good));
    expect(blocked).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    expect(Number(blocked.retryAfter)).toBeGreaterThan(0);
    // The same count as failed API keys: the admin API is closed to this address too.
    const admin = await api.app.inject({ url: '/api/disbursement/batches', remoteAddress: '10.0.0.7' });
    expect(admin.statusCode).toBe(429);
    // Another address is not affected.
    expect((await from('10.0.0.8', good, signed(good))).status).toBe(200);
  });

  it('limits the route to WEBHOOK_RATE_LIMIT_PER_MINUTE per address, not RATE_LIMIT_PER_MINUTE', async () => {
    const statuses = [];
    for (let i = 0; i < 6; i++) {
      const body = riseEvent();
      // An Authorization header opens no bucket of its own here: the address is counted.
      statuses.push((await from('10.0.0.20', body, { ...signed(body), authorization: `Bearer key-${i}` })).status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    const body = riseEvent();
    expect(await from('10.0.0.21', body, signed(body))).toMatchObject({ status: 200 });
  });
});

describe('without RISE_WEBHOOK_SECRET', () => {
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

  it('answers 503 UNAVAILABLE, saying what is missing, and stores nothing', async () => {
    const before = await rowCounts(ctx.db);
    const body = riseEvent();
    const response = await api.app.inject({
      method: 'POST',
      url: riseWebhookPath,
      headers: { 'content-type': 'application/json', ...signed(body) },
      payload: body,
    });
    expect(response.statusCode).toBe(503);
    expect(response.json().error).toEqual({
      code: 'UNAVAILABLE',
      message: expect.stringContaining('RISE_WEBHOOK_SECRET'),
    });
    expect(await rowCounts(ctx.db)).toEqual(before);
  });
});
