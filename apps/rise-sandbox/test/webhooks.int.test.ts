import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { makeTestContext, type TestContext } from '@payouts/testing';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { generatePrivateKey, type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { buildSandbox } from '../src/app.ts';
import type { WebhookDelivery } from '../src/webhooks.ts';
import { type Prepared, riseClient, signPrepared } from './support.ts';

const team = 'te-hookteam0001';
const riseId = '0x00000000000000000000000000000000000b0b00';
const payee = 'us-hookpayee001';
const secret = 'whsec-test-0123456789abcdef';
// The +1, +2, +5 minute schedule becomes 60, 120, 300 ms.
const delayScale = 0.001;

interface Received {
  headers: IncomingMessage['headers'];
  raw: string;
  body: { idempotency_key: string; event_type: string; created: number; [key: string]: unknown };
  at: number;
}

let ctx: TestContext;
let pool: pg.Pool;
let app: FastifyInstance;
let receiver: Server;
let wallet: PrivateKeyAccount;
let client: ReturnType<typeof riseClient>;
let received: Received[] = [];
/** 'flaky': 500 to an event's first attempt, 200 afterwards; 'down': 500 or a dropped connection, always. */
let mode: 'flaky' | 'down' = 'flaky';

function answer(request: IncomingMessage, response: ServerResponse, raw: string) {
  const body = JSON.parse(raw) as Received['body'];
  received.push({ headers: request.headers, raw, body, at: Date.now() });
  const attempt = received.filter((r) => r.body.idempotency_key === body.idempotency_key).length;
  if (mode === 'down' && attempt % 2 === 0) {
    request.socket.destroy();
    return;
  }
  const ok = mode === 'flaky' && attempt > 1;
  response.writeHead(ok ? 200 : 500, { 'content-type': 'text/plain' }).end(ok ? 'ok' : 'nope');
}

beforeAll(async () => {
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => answer(request, response, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const { port } = receiver.address() as AddressInfo;

  ctx = await makeTestContext();
  pool = new pg.Pool({ connectionString: ctx.databaseUrl, max: 4 });
  wallet = privateKeyToAccount(generatePrivateKey());
  app = await buildSandbox(
    { pool },
    {
      team: {
        nanoid: team,
        riseId,
        walletAddress: wallet.address,
        initialBalanceCents: 100_000,
        members: [{ nanoid: payee, email: 'hook-payee@example.test' }],
      },
      webhookUrl: `http://127.0.0.1:${port}/hooks/rise`,
      webhookSecret: secret,
      webhookDelayScale: delayScale,
    },
  );
  client = riseClient(await app.listen({ host: '127.0.0.1', port: 0 }));
});

afterAll(async () => {
  await app?.close();
  await pool?.end();
  receiver?.closeAllConnections();
  await new Promise((resolve) => receiver?.close(resolve));
  await ctx?.cleanup();
});

beforeEach(async () => {
  mode = 'flaky';
  expect((await client.call('POST', '/sandbox/reset')).status).toBe(200);
  received = [];
});

async function pay(amount_cents: number, invoice_description: string) {
  const jwt = await client.signIn(wallet, riseId);
  const prepared = await client.call('POST', '/v2/payments', {
    jwt,
    body: { from: team, to: [{ to: payee, amount_cents, currency_symbol: 'USD', invoice_description }] },
  });
  expect(prepared.status, JSON.stringify(prepared.body)).toBe(200);
  const data = prepared.body.data as Prepared;
  const signature = await signPrepared(wallet, data);
  const executed = await client.call('PUT', '/v2/payments', {
    jwt,
    body: { signer: wallet.address, typed_data: data.typed_data, signature },
  });
  expect(executed.status, JSON.stringify(executed.body)).toBe(200);
  return executed.body.data as { payment_group_nanoid: string; payments: { nanoid: string }[] };
}

async function deliveries(): Promise<WebhookDelivery[]> {
  return ((await client.call('GET', '/sandbox/webhooks')).body.data as { deliveries: WebhookDelivery[] }).deliveries;
}

async function waitFor(check: (list: WebhookDelivery[]) => boolean, ms = 5_000): Promise<WebhookDelivery[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const list = await deliveries();
    if (check(list)) return list;
    if (Date.now() > deadline) throw new Error(`webhooks not as expected: ${JSON.stringify(list)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** What a receiver does: HMAC over "<t>.<raw body>", compared in constant time. */
function verify(raw: string, header: string | string[] | undefined): number {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(header));
  if (!match) throw new Error(`bad signature header: ${header}`);
  const [, t = '', v1 = ''] = match;
  const expected = createHmac('sha256', secret).update(`${t}.${raw}`).digest();
  expect(timingSafeEqual(expected, Buffer.from(v1, 'hex'))).toBe(true);
  return Number(t);
}

it('sends payment.sent, signed; retries a failed delivery with the same idempotency_key', async () => {
  const paid = await pay(4_321, 'payout hook-1');
  const pa = paid.payments[0]?.nanoid;
  const [delivery] = await waitFor((list) => list[0]?.delivered === true);
  expect(delivery).toMatchObject({ event_type: 'payment.sent', attempts: 2, last_status: 200, delivered: true });

  expect(received).toHaveLength(2);
  const [first, second] = received as [Received, Received];
  expect(second.body.idempotency_key).toBe(first.body.idempotency_key);
  expect(second.raw).toBe(first.raw);
  expect(first.body.idempotency_key).toBe(delivery?.idempotency_key);
  expect(first.body.idempotency_key).toMatch(/^[0-9a-f-]{36}$/);
  // The retry waits about one scaled minute.
  expect(second.at - first.at).toBeGreaterThanOrEqual(50);
  expect(first.headers['content-type']).toMatch(/^application\/json/);
  for (const r of received) {
    const t = verify(r.raw, r.headers['x-rise-signature']);
    expect(Math.abs(t - Date.now() / 1000)).toBeLessThan(5);
  }
  // A body changed by one byte no longer verifies.
  const tampered = first.raw.replace('4321', '4322');
  const sig = String(first.headers['x-rise-signature']);
  expect(() => verify(tampered, sig)).toThrow();

  expect(first.body).toEqual({
    object: 'event',
    created: expect.any(Number),
    request_id: expect.stringMatching(/^req-/),
    event_type: 'payment.sent',
    event_version: '1.0',
    idempotency_key: first.body.idempotency_key,
    payment: {
      nanoid: pa,
      payment_group_nanoid: paid.payment_group_nanoid,
      state: 'complete',
      amount_cents: 4_321,
      invoice_description: 'payout hook-1',
    },
  });
  expect(Math.abs(first.body.created - Date.now() / 1000)).toBeLessThan(5);
});

it('sends payment.removed when a payment is removed', async () => {
  mode = 'flaky';
  const paid = await pay(500, 'payout hook-2');
  const pa = paid.payments[0]?.nanoid;
  await waitFor((list) => list.length === 1 && list.every((d) => d.delivered));
  const removed = await client.call('POST', `/sandbox/payments/${pa}/remove`, { body: { reason: 'compliance' } });
  expect(removed.status).toBe(200);
  const list = await waitFor((l) => l.length === 2 && l.every((d) => d.delivered));
  expect(list.map((d) => d.event_type)).toEqual(['payment.sent', 'payment.removed']);

  const event = received.find((r) => r.body.event_type === 'payment.removed');
  verify(event?.raw ?? '', event?.headers['x-rise-signature']);
  expect(event?.body.payment).toEqual({
    nanoid: pa,
    payment_group_nanoid: paid.payment_group_nanoid,
    state: 'removed',
    amount_cents: 500,
    invoice_description: 'payout hook-2',
    reason: 'compliance',
  });
});

it('gives up after 4 attempts when the receiver always fails', async () => {
  mode = 'down';
  await pay(700, 'payout hook-3');
  const [delivery] = await waitFor((list) => list[0]?.given_up === true);
  expect(delivery).toMatchObject({ attempts: 4, delivered: false, given_up: true, last_status: null });
  // Well past another scaled retry: nothing more arrives.
  await new Promise((resolve) => setTimeout(resolve, 400));
  expect(received).toHaveLength(4);
  expect(new Set(received.map((r) => r.body.idempotency_key)).size).toBe(1);
  expect((await deliveries())[0]?.attempts).toBe(4);
});
