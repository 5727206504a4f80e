import { createHmac, timingSafeEqual } from 'node:crypto';
import { makeTestContext, type TestContext } from '@payouts/testing';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { generatePrivateKey, type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildSandbox } from '../src/app.ts';
import type { WebhookSettings } from '../src/config.ts';
import type { WebhookDelivery } from '../src/webhooks.ts';
import {
  type Prepared,
  type ReceivedWebhook,
  riseClient,
  signPrepared,
  startWebhookReceiver,
  type WebhookReceiver,
} from './support.ts';

// The delivery settings (`/sandbox/webhooks/settings`): webhooks off, every event twice, the first answer lost.
const team = 'te-hooksettings';
const riseId = '0x00000000000000000000000000000000000b0b01';
const payee = 'us-hooksettng01';
const secret = 'whsec-settings-0123456789abcdef';
// The +1, +2, +5 minute schedule becomes 60, 120, 300 ms.
const delayScale = 0.001;

let ctx: TestContext;
let pool: pg.Pool;
let app: FastifyInstance;
let receiver: WebhookReceiver;
let wallet: PrivateKeyAccount;
let client: ReturnType<typeof riseClient>;
/** What the receiver answers; 200 unless a test says otherwise. */
let answer: (hook: ReceivedWebhook) => number | Promise<number> = () => 200;

beforeAll(async () => {
  receiver = await startWebhookReceiver((hook) => answer(hook));
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
        initialBalanceCents: 1_000_000,
        members: [{ nanoid: payee, email: 'hook-settings@example.test' }],
      },
      webhookUrl: receiver.url,
      webhookSecret: secret,
      webhookDelayScale: delayScale,
    },
  );
  client = riseClient(await app.listen({ host: '127.0.0.1', port: 0 }));
});

afterAll(async () => {
  await app?.close();
  await pool?.end();
  await receiver?.close();
  await ctx?.cleanup();
});

beforeEach(async () => {
  answer = () => 200;
  expect((await client.call('POST', '/sandbox/reset')).status).toBe(200);
  receiver.received.length = 0;
});

async function pay(amount_cents: number) {
  const jwt = await client.signIn(wallet, riseId);
  const prepared = await client.call('POST', '/v2/payments', {
    jwt,
    body: { from: team, to: [{ to: payee, amount_cents, currency_symbol: 'USD', invoice_description: 'settings' }] },
  });
  expect(prepared.status, JSON.stringify(prepared.body)).toBe(200);
  const data = prepared.body.data as Prepared;
  const signature = await signPrepared(wallet, data);
  const executed = await client.call('PUT', '/v2/payments', {
    jwt,
    body: { signer: wallet.address, typed_data: data.typed_data, signature },
  });
  expect(executed.status, JSON.stringify(executed.body)).toBe(200);
  return (executed.body.data as { payments: { nanoid: string }[] }).payments[0]?.nanoid ?? '';
}

async function settings(change?: Partial<WebhookSettings>): Promise<WebhookSettings> {
  const answered = change
    ? await client.call('POST', '/sandbox/webhooks/settings', { body: change })
    : await client.call('GET', '/sandbox/webhooks/settings');
  expect(answered.status, JSON.stringify(answered.body)).toBe(200);
  return answered.body.data as WebhookSettings;
}

async function deliveries(): Promise<WebhookDelivery[]> {
  return ((await client.call('GET', '/sandbox/webhooks')).body.data as { deliveries: WebhookDelivery[] }).deliveries;
}

async function waitFor(check: (list: WebhookDelivery[]) => boolean, ms = 10_000): Promise<WebhookDelivery[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const list = await deliveries();
    if (check(list)) return list;
    if (Date.now() > deadline) throw new Error(`webhooks not as expected: ${JSON.stringify(list)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Each request carries a signature of its own over the raw body, and it verifies. */
function expectSigned(hook: ReceivedWebhook): string {
  const header = String(hook.headers['x-rise-signature']);
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  expect(match, header).not.toBeNull();
  const expected = createHmac('sha256', secret).update(`${match?.[1]}.${hook.raw}`).digest();
  expect(timingSafeEqual(expected, Buffer.from(match?.[2] ?? '', 'hex'))).toBe(true);
  return header;
}

const allDone = (list: WebhookDelivery[]) => list.length > 0 && list.every((d) => d.delivered || d.given_up);

describe('settings control', () => {
  it('starts enabled, without duplicates or lost answers; a POST changes only what it names', async () => {
    expect(await settings()).toEqual({ enabled: true, duplicates: false, loseFirstAnswer: false });
    expect(await settings({ duplicates: true })).toEqual({ enabled: true, duplicates: true, loseFirstAnswer: false });
    expect(await settings({ loseFirstAnswer: true, enabled: false })).toEqual({
      enabled: false,
      duplicates: true,
      loseFirstAnswer: true,
    });
    expect(await settings()).toEqual({ enabled: false, duplicates: true, loseFirstAnswer: true });
  });

  it('refuses unknown settings and values that are not booleans, changing nothing', async () => {
    for (const body of [{ enable: false }, { duplicates: 'yes' }, { loseFirstAnswer: 1 }, [true], 'true']) {
      const answered = await client.call('POST', '/sandbox/webhooks/settings', { body });
      expect(answered.status, JSON.stringify(body)).toBe(400);
      expect(answered.body.success).toBe(false);
    }
    expect(await settings()).toEqual({ enabled: true, duplicates: false, loseFirstAnswer: false });
  });

  it('a reset restores the settings the sandbox started with', async () => {
    await settings({ enabled: false, duplicates: true, loseFirstAnswer: true });
    expect((await client.call('POST', '/sandbox/reset')).status).toBe(200);
    expect(await settings()).toEqual({ enabled: true, duplicates: false, loseFirstAnswer: false });
  });
});

describe('delivery under the settings', () => {
  it('enabled=false: sends nothing; the event is listed as suppressed and stays unsent once enabled again', async () => {
    await settings({ enabled: false });
    await pay(1_001);
    const [suppressed] = await deliveries();
    expect(suppressed).toMatchObject({
      event_type: 'payment.sent',
      copy: 1,
      attempts: 0,
      delivered: false,
      given_up: false,
      suppressed: true,
      last_error: 'webhooks disabled',
    });

    await settings({ enabled: true });
    await pay(1_002);
    const list = await waitFor((l) => l.length === 2 && l[1]?.delivered === true);
    expect(list[0]).toEqual(suppressed);
    expect(list[1]).toMatchObject({ attempts: 1, delivered: true, suppressed: false });
    // Only the second event ever reached the receiver.
    expect(receiver.received.map((r) => r.body.idempotency_key)).toEqual([list[1]?.idempotency_key]);
    expect(receiver.received[0]?.body.payment).toMatchObject({ amount_cents: 1_002 });
  });

  it('enabled=false stops the retries of an event already failing: they are suppressed, not sent', async () => {
    // The receiver fails the first attempt, and webhooks are disabled before that answer is given.
    answer = async () => {
      await settings({ enabled: false });
      return 500;
    };
    await pay(1_003);
    const [delivery] = await waitFor((l) => l[0]?.suppressed === true || l[0]?.given_up === true);
    expect(delivery).toMatchObject({ attempts: 1, suppressed: true, delivered: false, given_up: false });
    expect(delivery?.last_error).toBe('webhooks disabled');
    expect(receiver.received).toHaveLength(1);
  });

  it('duplicates=true: every event delivered twice, same body and idempotency_key, each signed', async () => {
    await settings({ duplicates: true });
    const pa = await pay(1_004);
    const list = await waitFor((l) => l.length === 2 && l.every((d) => d.delivered));
    expect(list.map((d) => [d.copy, d.attempts, d.event_type])).toEqual([
      [1, 1, 'payment.sent'],
      [2, 1, 'payment.sent'],
    ]);
    expect(list[1]?.idempotency_key).toBe(list[0]?.idempotency_key);

    expect(receiver.received).toHaveLength(2);
    const [first, second] = receiver.received as [ReceivedWebhook, ReceivedWebhook];
    expect(second.raw).toBe(first.raw);
    expect(first.body.idempotency_key).toBe(list[0]?.idempotency_key);
    expect((first.body.payment as { nanoid: string }).nanoid).toBe(pa);
    for (const hook of receiver.received) expectSigned(hook);

    // The removal too.
    expect((await client.call('POST', `/sandbox/payments/${pa}/remove`)).status).toBe(200);
    const after = await waitFor((l) => l.length === 4 && l.every((d) => d.delivered));
    const removed = after.filter((d) => d.event_type === 'payment.removed');
    expect(removed.map((d) => d.copy)).toEqual([1, 2]);
    expect(new Set(removed.map((d) => d.idempotency_key)).size).toBe(1);
  });

  it('loseFirstAnswer=true: the receiver handles the event, its answer is dropped, the retry delivers it again', async () => {
    await settings({ loseFirstAnswer: true });
    await pay(1_005);
    const [delivery] = await waitFor(allDone);
    expect(delivery).toMatchObject({ attempts: 2, answers_lost: 1, delivered: true, last_status: 200, copy: 1 });
    expect(receiver.received).toHaveLength(2);
    const [first, second] = receiver.received as [ReceivedWebhook, ReceivedWebhook];
    expect(second.raw).toBe(first.raw);
    expectSigned(first);
    expectSigned(second);
  });

  it('loseFirstAnswer drops the first answer given, even after attempts without one', async () => {
    await settings({ loseFirstAnswer: true });
    // The first attempt gets a 500 (an answer, and the one lost), then 200s.
    answer = (hook) =>
      receiver.received.filter((r) => r.body.idempotency_key === hook.body.idempotency_key).length === 1 ? 500 : 200;
    await pay(1_006);
    const [delivery] = await waitFor(allDone);
    expect(delivery).toMatchObject({ attempts: 2, answers_lost: 1, delivered: true, last_status: 200 });
  });

  it('both: each of the two deliveries loses its first answer, so the receiver sees the event four times', async () => {
    await settings({ duplicates: true, loseFirstAnswer: true });
    await pay(1_007);
    const list = await waitFor((l) => l.length === 2 && l.every((d) => d.delivered));
    expect(list.map((d) => [d.copy, d.attempts, d.answers_lost])).toEqual([
      [1, 2, 1],
      [2, 2, 1],
    ]);
    expect(receiver.received).toHaveLength(4);
    expect(new Set(receiver.received.map((r) => r.raw)).size).toBe(1);
    for (const hook of receiver.received) expectSigned(hook);
  });

  it('settings apply to events emitted after them: an event keeps how it began', async () => {
    await settings({ loseFirstAnswer: true });
    // The first answer (a 500, the one lost) is given after the settings changed.
    answer = async () => {
      answer = () => 200;
      await settings({ loseFirstAnswer: false, duplicates: true });
      return 500;
    };
    await pay(1_008);
    const [delivery, ...others] = await waitFor(allDone);
    // Still one delivery, whose first answer was lost.
    expect(others).toEqual([]);
    expect(delivery).toMatchObject({ attempts: 2, answers_lost: 1, delivered: true, copy: 1 });
  });
});
