import { makeTestContext, type TestContext } from '@payouts/testing';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { generatePrivateKey, type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildSandbox } from '../src/app.ts';
import { type Prepared, riseClient, signPrepared } from './support.ts';

const team = 'te-testteam0001';
const riseId = '0x00000000000000000000000000000000000a11ce';
const payee = 'us-testpayee001';
const jwtTtlMs = 60_000;
const typedDataTtlSeconds = 120;

let ctx: TestContext;
let pool: pg.Pool;
let app: FastifyInstance;
let wallet: PrivateKeyAccount;
let client: ReturnType<typeof riseClient>;
let clockShiftMs = 0;

beforeAll(async () => {
  ctx = await makeTestContext();
  pool = new pg.Pool({ connectionString: ctx.databaseUrl, max: 4 });
  wallet = privateKeyToAccount(generatePrivateKey());
  app = await buildSandbox(
    { pool, now: () => Date.now() + clockShiftMs },
    {
      team: {
        nanoid: team,
        riseId,
        walletAddress: wallet.address,
        initialBalanceCents: 100_000,
        members: [
          { nanoid: payee, email: 'payee@example.test', first_name: 'Pay', last_name: 'Ee' },
          { nanoid: 'us-testpending1', email: 'pending@example.test', onboarding_status: 'pending' },
        ],
      },
      jwtTtlMs,
      typedDataTtlSeconds,
    },
  );
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  client = riseClient(address);
});

afterAll(async () => {
  await app?.close();
  await pool?.end();
  await ctx?.cleanup();
});

beforeEach(async () => {
  clockShiftMs = 0;
  expect((await client.call('POST', '/sandbox/reset')).status).toBe(200);
});

const payment = (amount_cents: number, invoice_description: string, to = payee) => ({
  from: team,
  to: [{ to, amount_cents, currency_symbol: 'USD', invoice_description }],
  pay_now: true,
  network: 'arbitrum',
});

async function prepare(jwt: string, body: unknown): Promise<Prepared> {
  const answer = await client.call('POST', '/v2/payments', { jwt, body });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body.data as Prepared;
}

async function execute(jwt: string, prepared: Prepared, signer = wallet, typedData = prepared.typed_data) {
  const signature = await signPrepared(signer, prepared);
  return client.call('PUT', '/v2/payments', {
    jwt,
    body: { signer: signer.address, typed_data: typedData, signature },
  });
}

async function ledger() {
  const answer = await client.call('GET', '/sandbox/ledger');
  return answer.body.data as {
    payments: { nanoid: string; amount_cents: number; state: string; invoice_description: string }[];
    totals: { live_amount_cents: number; count: number };
    balances: { team: string; balance_cents: number }[];
  };
}

describe('auth', () => {
  it('signs in with SIWE and the JWT opens the other routes', async () => {
    const siwe = await client.call('GET', `/v2/auth/siwe?wallet=${wallet.address}&riseid=${riseId}`);
    expect(siwe.status).toBe(200);
    expect((siwe.body.data as { siwe: string }).siwe).toMatch(/Nonce: \S+/);
    const jwt = await client.signIn(wallet, riseId);
    const balance = await client.call('GET', `/v2/balance?nanoid=${team}`, { jwt });
    expect(balance).toMatchObject({ status: 200, body: { success: true, data: { balance_cents: 100_000 } } });
    expect((await client.call('GET', `/v2/balance?nanoid=${team}`)).status).toBe(401);
    expect((await client.call('GET', `/v2/balance?nanoid=${team}`, { jwt: `${jwt}x` })).status).toBe(401);
  });

  it('refuses a wallet not allowed for the RiseID (403) and an unknown RiseID (404)', async () => {
    const other = privateKeyToAccount(generatePrivateKey());
    const wrong = await client.call('GET', `/v2/auth/siwe?wallet=${other.address}&riseid=${riseId}`);
    expect(wrong).toMatchObject({ status: 403, body: { success: false } });
    const unknown = await client.call('GET', `/v2/auth/siwe?wallet=${wallet.address}&riseid=0xunknown`);
    expect(unknown).toMatchObject({ status: 404, body: { success: false } });
  });

  it('refuses a reused nonce and a signature from another key (401)', async () => {
    const siwe = await client.call('GET', `/v2/auth/siwe?wallet=${wallet.address}&riseid=${riseId}`);
    const message = (siwe.body.data as { siwe: string }).siwe;
    const nonce = /Nonce: (\S+)/.exec(message)?.[1];
    const sig = await wallet.signMessage({ message });
    expect((await client.call('POST', '/v2/auth/verify', { body: { message, sig, nonce } })).status).toBe(200);
    expect((await client.call('POST', '/v2/auth/verify', { body: { message, sig, nonce } })).status).toBe(401);

    const again = await client.call('GET', `/v2/auth/siwe?wallet=${wallet.address}&riseid=${riseId}`);
    const message2 = (again.body.data as { siwe: string }).siwe;
    const forged = await privateKeyToAccount(generatePrivateKey()).signMessage({ message: message2 });
    const nonce2 = /Nonce: (\S+)/.exec(message2)?.[1];
    const bad = await client.call('POST', '/v2/auth/verify', {
      body: { message: message2, sig: forged, nonce: nonce2 },
    });
    expect(bad).toMatchObject({ status: 401, body: { success: false, data: 'INVALID_SIGNATURE' } });
  });

  it('answers 401 once the JWT expired; signing in again works', async () => {
    const jwt = await client.signIn(wallet, riseId);
    clockShiftMs = jwtTtlMs + 1;
    expect((await client.call('GET', `/v2/teams/${team}/users`, { jwt })).status).toBe(401);
    const fresh = await client.signIn(wallet, riseId);
    expect((await client.call('GET', `/v2/teams/${team}/users`, { jwt: fresh })).status).toBe(200);
  });
});

describe('payments', () => {
  it('prepare, sign, execute pays once; the ledger and the look-up show it', async () => {
    const jwt = await client.signIn(wallet, riseId);
    const prepared = await prepare(jwt, payment(12_345, 'payout tx-1 key-abc'));
    expect(prepared.primary_type).toBe('CreatePaymentsForwardRequest');
    expect(prepared.domain).toMatchObject({ name: 'RiseAccountForwarder', version: '1.0.0', chainId: 42161 });
    expect(prepared.typed_data.data).toHaveLength(1);

    const paid = await execute(jwt, prepared);
    expect(paid.status, JSON.stringify(paid.body)).toBe(200);
    const data = paid.body.data as { payment_group_nanoid: string; payments: { nanoid: string }[] };
    expect(data.payment_group_nanoid).toMatch(/^pg-/);
    expect(data.payments).toEqual([
      {
        nanoid: expect.stringMatching(/^pa-/),
        state: 'complete',
        amount_cents: 12_345,
        invoice_description: 'payout tx-1 key-abc',
      },
    ]);

    const book = await ledger();
    expect(book.payments).toHaveLength(1);
    expect(book.totals.live_amount_cents).toBe(12_345);
    expect(book.balances).toEqual([{ team, balance_cents: 100_000 - 12_345 }]);

    const today = new Date().toISOString().slice(0, 10);
    const lookup = await client.call(
      'GET',
      `/v2/payments?team_nanoid=${team}&query_type=payable&state=all&recipient=${payee}&start_date=${today}&end_date=${today}`,
      { jwt },
    );
    expect(lookup.status).toBe(200);
    const items = (lookup.body.data as { items: Record<string, Record<string, unknown>>[] }).items;
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      recipient: { nanoid: payee, email: 'payee@example.test' },
      payer: { nanoid: team },
      invoice: {
        amount_cents: 12_345,
        currency: 'USD',
        group_nanoid: data.payment_group_nanoid,
        description: 'payout tx-1 key-abc',
      },
      payment: {
        nanoid: data.payments[0]?.nanoid,
        state: 'complete',
        amount_cents: 12_345,
        currency_symbol: 'USD',
        token_amount: '123450000',
        token_decimals: 6,
      },
    });
    const otherDay = await client.call(
      'GET',
      `/v2/payments?team_nanoid=${team}&query_type=payable&state=all&recipient=${payee}&start_date=2020-01-01&end_date=2020-01-02`,
      { jwt },
    );
    expect((otherDay.body.data as { items: unknown[] }).items).toEqual([]);
  });

  it('answers 409 SALT_ALREADY_USED to a second execution and pays nothing more', async () => {
    const jwt = await client.signIn(wallet, riseId);
    const prepared = await prepare(jwt, payment(500, 'key-salt'));
    expect((await execute(jwt, prepared)).status).toBe(200);
    const before = await ledger();
    const again = await execute(jwt, prepared);
    expect(again).toMatchObject({ status: 409, body: { success: false, data: 'SALT_ALREADY_USED' } });
    expect(await ledger()).toEqual(before);
  });

  it('answers EXPIRED_TYPED_DATA after expires, and pays nothing', async () => {
    const jwt = await client.signIn(wallet, riseId);
    const prepared = await prepare(jwt, payment(500, 'key-expired'));
    clockShiftMs = (typedDataTtlSeconds + 1) * 1000;
    const fresh = await client.signIn(wallet, riseId);
    const answer = await execute(fresh, prepared);
    expect(answer).toMatchObject({ status: 400, body: { success: false, data: 'EXPIRED_TYPED_DATA' } });
    expect((await ledger()).payments).toEqual([]);
  });

  it('answers INVALID_SIGNATURE to tampered typed data or another signer, and pays nothing', async () => {
    const jwt = await client.signIn(wallet, riseId);
    const prepared = await prepare(jwt, payment(500, 'key-tamper'));
    const signature = await signPrepared(wallet, prepared);
    const tampered = {
      ...prepared.typed_data,
      data: [{ ...prepared.typed_data.data[0], amount_cents: 50_000 }],
    };
    const answer = await client.call('PUT', '/v2/payments', {
      jwt,
      body: { signer: wallet.address, typed_data: tampered, signature },
    });
    expect(answer).toMatchObject({ status: 401, body: { success: false, data: 'INVALID_SIGNATURE' } });

    // Re-signed by the right wallet, but not what was prepared under this salt.
    const resigned = await client.call('PUT', '/v2/payments', {
      jwt,
      body: {
        signer: wallet.address,
        typed_data: tampered,
        signature: await signPrepared(wallet, prepared, tampered as Prepared['typed_data']),
      },
    });
    expect(resigned).toMatchObject({ status: 401, body: { data: 'INVALID_SIGNATURE' } });

    const stranger = privateKeyToAccount(generatePrivateKey());
    const wrongSigner = await execute(jwt, prepared, stranger);
    expect(wrongSigner).toMatchObject({ status: 403, body: { success: false, data: 'INVALID_SIGNATURE' } });
    expect((await ledger()).payments).toEqual([]);
    // The untouched request still pays.
    expect((await execute(jwt, prepared)).status).toBe(200);
  });

  it('answers INVALID_RECIPIENT for an unknown payee or one not onboarded', async () => {
    const jwt = await client.signIn(wallet, riseId);
    for (const to of ['us-nosuchuser01', 'us-testpending1', 'not-a-nanoid']) {
      const answer = await client.call('POST', '/v2/payments', { jwt, body: payment(500, 'key-r', to) });
      expect(answer).toMatchObject({ status: 400, body: { success: false, data: 'INVALID_RECIPIENT' } });
    }
    const malformed = await client.call('POST', '/v2/payments', { jwt, body: { ...payment(1.5, 'x') } });
    expect(malformed.status).toBe(400);
  });

  it('answers INSUFFICIENT_BALANCE and pays nothing, then pays after a top-up', async () => {
    const jwt = await client.signIn(wallet, riseId);
    const prepared = await prepare(jwt, payment(150_000, 'key-big'));
    const short = await execute(jwt, prepared);
    expect(short).toMatchObject({ status: 400, body: { success: false, data: 'INSUFFICIENT_BALANCE' } });
    expect((await ledger()).payments).toEqual([]);
    const topUp = await client.call('POST', '/sandbox/balance', { body: { team, add_cents: 50_000 } });
    expect(topUp.body.data).toEqual({ team, balance_cents: 150_000 });
    expect((await execute(jwt, prepared)).status).toBe(200);
    expect((await ledger()).balances).toEqual([{ team, balance_cents: 0 }]);
  });

  it('lists members and one member summary; 404 for an unknown one', async () => {
    const jwt = await client.signIn(wallet, riseId);
    const users = await client.call('GET', `/v2/teams/${team}/users`, { jwt });
    expect((users.body.data as { users: unknown[] }).users).toHaveLength(2);
    const one = await client.call('GET', `/v2/teams/${team}/member/${payee}/summary`, { jwt });
    expect(one.body.data).toEqual({
      nanoid: payee,
      email: 'payee@example.test',
      first_name: 'Pay',
      last_name: 'Ee',
      riseid: payee,
      onboarding_status: 'approved',
      can_receive_payments: true,
    });
    expect((await client.call('GET', `/v2/teams/${team}/member/us-nosuchuser1/summary`, { jwt })).status).toBe(404);
  });
});

describe('faults and controls', () => {
  it('scripts 500 and 429 (with Retry-After) for the next calls of an operation', async () => {
    const jwt = await client.signIn(wallet, riseId);
    await client.call('POST', '/sandbox/faults', { body: { operation: 'prepare', kind: 'status500', count: 1 } });
    await client.call('POST', '/sandbox/faults', {
      body: { operation: 'prepare', kind: 'status429', count: 1, retryAfterSeconds: 7 },
    });
    const first = await client.call('POST', '/v2/payments', { jwt, body: payment(500, 'key-f') });
    expect(first).toMatchObject({ status: 500, body: { success: false } });
    const second = await client.call('POST', '/v2/payments', { jwt, body: payment(500, 'key-f') });
    expect(second.status).toBe(429);
    expect(second.headers.get('retry-after')).toBe('7');
    // Lookups were not scripted, and the third prepare goes through.
    expect((await client.call('GET', `/v2/balance?nanoid=${team}`, { jwt })).status).toBe(200);
    expect((await client.call('POST', '/v2/payments', { jwt, body: payment(500, 'key-f') })).status).toBe(200);
  });

  it('timeoutAfterPay pays but drops the answer; the look-up finds it and the salt is spent', async () => {
    const jwt = await client.signIn(wallet, riseId);
    const prepared = await prepare(jwt, payment(700, 'key-lost'));
    await client.call('POST', '/sandbox/faults', { body: { operation: 'execute', kind: 'timeoutAfterPay', count: 1 } });
    await expect(execute(jwt, prepared)).rejects.toThrow();
    expect((await ledger()).payments).toMatchObject([{ amount_cents: 700, invoice_description: 'key-lost' }]);
    const lookup = await client.call('GET', `/v2/payments?team_nanoid=${team}&recipient=${payee}`, { jwt });
    expect((lookup.body.data as { items: unknown[] }).items).toHaveLength(1);
    expect((await execute(jwt, prepared)).status).toBe(409);
  });

  it('removes a payment (state removed, amount back to the team)', async () => {
    const jwt = await client.signIn(wallet, riseId);
    const paid = await execute(jwt, await prepare(jwt, payment(900, 'key-rm')));
    const pa = (paid.body.data as { payments: { nanoid: string }[] }).payments[0]?.nanoid;
    const removed = await client.call('POST', `/sandbox/payments/${pa}/remove`);
    expect(removed.body.data).toMatchObject({ payment: { nanoid: pa, state: 'removed' } });
    const book = await ledger();
    expect(book.totals.live_amount_cents).toBe(0);
    expect(book.balances).toEqual([{ team, balance_cents: 100_000 }]);
  });
});
