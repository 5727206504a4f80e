import { makeTestContext, type RiseSandboxProcess, spawnRiseSandbox, type TestContext } from '@payouts/testing';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ProviderDuplicatePaymentError,
  ProviderOutcomeUnknownError,
  ProviderPermanentError,
  ProviderRateLimitedError,
  ProviderSuspendedError,
  ProviderTransientError,
} from '../src/provider-errors.ts';
import { makeRiseProvider, type RiseProvider } from '../src/rise/rise-provider.ts';

// A well-known public development key (never a real wallet); the sandbox allows only its address.
const walletKey = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
const otherWalletKey = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d';
const team = 'te-provtestteam';
const riseId = '0x5a4db0c0ba5e5a4db0c0ba5e5a4db0c0ba5e0001';
const ada = 'us-adalovelace1';
const alan = 'us-alanturing12';
const grace = 'us-gracehopper1';
const members = [
  { nanoid: ada, email: 'ada@example.test', onboarding_status: 'approved', can_receive_payments: true },
  { nanoid: alan, email: 'alan@example.test', onboarding_status: 'approved', can_receive_payments: true },
  { nanoid: grace, email: 'grace@example.test', onboarding_status: 'submitted', can_receive_payments: false },
];

interface LedgerPayment {
  nanoid: string;
  recipient: string;
  amount_cents: number;
  state: string;
  invoice_description: string;
}

function sandboxEnv(databaseUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    RISE_SANDBOX_TEAM_NANOID: team,
    RISE_SANDBOX_RISE_ID: riseId,
    RISE_SANDBOX_WALLET_ADDRESS: privateKeyToAccount(walletKey).address,
    RISE_SANDBOX_BALANCE_CENTS: '1000000',
    RISE_SANDBOX_MEMBERS: JSON.stringify(members),
    RISE_SANDBOX_CONTROLS: 'true',
    ...extra,
  };
}

/** Test controls of one sandbox process, over HTTP. */
function controls(sandbox: RiseSandboxProcess) {
  async function call(method: string, path: string, body?: unknown): Promise<unknown> {
    const response = await fetch(`${sandbox.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const envelope = (await response.json()) as { success: boolean; data: unknown };
    if (!response.ok || !envelope.success) throw new Error(`${method} ${path}: ${response.status}`);
    return envelope.data;
  }
  return {
    reset: () => call('POST', '/sandbox/reset', {}),
    fault: (fault: Record<string, unknown>) => call('POST', '/sandbox/faults', fault),
    pendingFaults: async () => ((await call('GET', '/sandbox/faults')) as { faults: { remaining: number }[] }).faults,
    setBalance: (cents: number) => call('POST', '/sandbox/balance', { balance_cents: cents }),
    remove: (pa: string) => call('POST', `/sandbox/payments/${pa}/remove`, {}),
    ledger: async () => ((await call('GET', '/sandbox/ledger')) as { payments: LedgerPayment[] }).payments,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the Rise provider against the sandbox', () => {
  let ctx: TestContext;
  let sandbox: RiseSandboxProcess;
  let sandboxControls: ReturnType<typeof controls>;
  let provider: RiseProvider;
  const providerFor = (url: string, timeoutMs = 5000, key: string = walletKey) =>
    makeRiseProvider({ apiUrl: url, teamNanoid: team, riseId, walletPrivateKey: key, timeoutMs });
  const pay = (idempotencyKey: string, payeeId = ada, amount = '12.50', on = provider) =>
    on.sendPayment({ idempotencyKey, payeeId, amount, currency: 'USD', reference: 'Commissions May 2026' });

  beforeAll(async () => {
    ctx = await makeTestContext();
    sandbox = await spawnRiseSandbox(sandboxEnv(ctx.databaseUrl));
    sandboxControls = controls(sandbox);
  });
  afterAll(async () => {
    await sandbox?.stop();
    await ctx?.cleanup();
  });
  beforeEach(async () => {
    await sandboxControls.reset();
    provider = providerFor(sandbox.url);
  });

  it('signs in, pays, and finds the payment by its key', async () => {
    const receipt = await pay('tx_1');
    expect(receipt.providerTxId).toMatch(/^pa-/);
    const ledger = await sandboxControls.ledger();
    expect(ledger).toHaveLength(1);
    expect(ledger[0]).toMatchObject({
      nanoid: receipt.providerTxId,
      recipient: ada,
      amount_cents: 1250,
      invoice_description: 'Commissions May 2026 [tx_1]',
    });
    expect(await provider.getPaymentStatus({ idempotencyKey: 'tx_1', payeeId: ada })).toEqual({
      state: 'PAID',
      providerTxId: receipt.providerTxId,
    });
    // A fresh provider (another worker) signs in on its own and finds the same payment.
    expect(await providerFor(sandbox.url).getPaymentStatus({ idempotencyKey: 'tx_1', payeeId: ada })).toEqual({
      state: 'PAID',
      providerTxId: receipt.providerTxId,
    });
  });

  it('does not confuse keys that share a prefix, and counts a removed payment as not found', async () => {
    const first = await pay('tx_10', ada, '1.00');
    expect(await provider.getPaymentStatus({ idempotencyKey: 'tx_1', payeeId: ada })).toEqual({ state: 'NOT_FOUND' });
    const second = await pay('tx_1', ada, '2.00');
    expect(second.providerTxId).not.toBe(first.providerTxId);
    expect(await provider.getPaymentStatus({ idempotencyKey: 'tx_1', payeeId: ada })).toMatchObject(second);
    expect(await provider.getPaymentStatus({ idempotencyKey: 'tx_10', payeeId: ada })).toMatchObject(first);
    // The same key at another payee is not ours either.
    expect(await provider.getPaymentStatus({ idempotencyKey: 'tx_1', payeeId: alan })).toEqual({ state: 'NOT_FOUND' });

    await sandboxControls.remove(first.providerTxId);
    expect(await provider.getPaymentStatus({ idempotencyKey: 'tx_10', payeeId: ada })).toEqual({ state: 'NOT_FOUND' });
  });

  it('reports two live payments for one key as a duplicate (an incident)', async () => {
    await pay('tx_dup', ada, '3.00');
    await pay('tx_dup', ada, '3.00'); // Rise has no idempotency: the adapter alone cannot stop this
    const lookup = provider.getPaymentStatus({ idempotencyKey: 'tx_dup', payeeId: ada });
    await expect(lookup).rejects.toBeInstanceOf(ProviderDuplicatePaymentError);
    await expect(lookup).rejects.toBeInstanceOf(ProviderPermanentError);
  });

  it('refuses an unknown or not onboarded recipient permanently, paying nothing', async () => {
    await expect(pay('tx_bad', 'us-nosuchuser1')).rejects.toBeInstanceOf(ProviderPermanentError);
    await expect(pay('tx_grace', grace)).rejects.toBeInstanceOf(ProviderPermanentError);
    await expect(pay('tx_grace', grace)).rejects.not.toBeInstanceOf(ProviderTransientError);
    expect(await sandboxControls.ledger()).toEqual([]);
  });

  it('turns a scripted 429 into a rate-limit error carrying Retry-After', async () => {
    await sandboxControls.fault({ operation: 'prepare', kind: 'status429', retryAfterSeconds: 7 });
    const error = await pay('tx_429').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderRateLimitedError);
    expect((error as ProviderRateLimitedError).retryAfterMs).toBe(7000);
    expect(await sandboxControls.ledger()).toEqual([]);
    await expect(pay('tx_429')).resolves.toMatchObject({ providerTxId: expect.stringMatching(/^pa-/) });
  });

  it('is transient on a 500 before executing, and unknown on a 500 from the execute', async () => {
    await sandboxControls.fault({ operation: 'prepare', kind: 'status500' });
    const beforeExecute = await pay('tx_500a').catch((e: unknown) => e);
    expect(beforeExecute).toBeInstanceOf(ProviderTransientError);
    expect(beforeExecute).not.toBeInstanceOf(ProviderOutcomeUnknownError);

    await sandboxControls.fault({ operation: 'execute', kind: 'status500' });
    await expect(pay('tx_500b')).rejects.toBeInstanceOf(ProviderOutcomeUnknownError);
    // The sandbox failed before paying: the look-up says so, and paying again pays once.
    expect(await provider.getPaymentStatus({ idempotencyKey: 'tx_500b', payeeId: ada })).toEqual({
      state: 'NOT_FOUND',
    });
    const receipt = await pay('tx_500b');
    expect(await provider.getPaymentStatus({ idempotencyKey: 'tx_500b', payeeId: ada })).toEqual({
      state: 'PAID',
      ...receipt,
    });
    expect(await sandboxControls.ledger()).toHaveLength(1);
  });

  it('reports a timeout after paying as unknown; the look-up finds exactly one payment', async () => {
    const impatient = providerFor(sandbox.url, 1000);
    await sandboxControls.fault({ operation: 'execute', kind: 'timeoutAfterPay', delayMs: 3000 });
    await expect(pay('tx_timeout', ada, '40.01', impatient)).rejects.toBeInstanceOf(ProviderOutcomeUnknownError);
    const status = await impatient.getPaymentStatus({ idempotencyKey: 'tx_timeout', payeeId: ada });
    expect(status).toMatchObject({ state: 'PAID', providerTxId: expect.stringMatching(/^pa-/) });
    const ledger = await sandboxControls.ledger();
    expect(ledger).toHaveLength(1);
    expect(ledger[0]).toMatchObject({ amount_cents: 4001, nanoid: (status as { providerTxId: string }).providerTxId });
  });

  it('suspends on INSUFFICIENT_BALANCE, and pays once the team is topped up', async () => {
    await sandboxControls.setBalance(999);
    expect(await provider.getBalanceCents()).toBe(999);
    const error = await pay('tx_poor', alan, '10.00').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderSuspendedError);
    expect(error).toBeInstanceOf(ProviderTransientError);
    expect((error as ProviderSuspendedError).code).toBe('INSUFFICIENT_BALANCE');
    expect(await sandboxControls.ledger()).toEqual([]);

    await sandboxControls.setBalance(5000);
    await expect(pay('tx_poor', alan, '10.00')).resolves.toMatchObject({ providerTxId: expect.stringMatching(/^pa-/) });
    expect(await provider.getBalanceCents()).toBe(4000);
  });

  it('suspends when the wallet is refused at sign-in, and never shows the key', async () => {
    const stranger = providerFor(sandbox.url, 5000, otherWalletKey);
    const error = await pay('tx_stranger', ada, '1.00', stranger).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderSuspendedError);
    expect((error as ProviderSuspendedError).code).toBe('AUTH_REFUSED');
    const shown = `${String(error)} ${JSON.stringify(error)} ${(error as Error).stack}`;
    expect(shown).not.toContain(otherWalletKey.slice(2));
    expect(JSON.stringify(stranger)).not.toContain(otherWalletKey.slice(2));
  });

  it('maps the payee onboarding summary, and an unknown member is permanent', async () => {
    expect(await provider.getPayeeStatus(ada)).toEqual({
      payeeId: ada,
      kycStatus: 'APPROVED',
      canReceivePayments: true,
    });
    expect(await provider.getPayeeStatus(grace)).toEqual({
      payeeId: grace,
      kycStatus: 'SUBMITTED',
      canReceivePayments: false,
    });
    await expect(provider.getPayeeStatus('us-nosuchuser1')).rejects.toBeInstanceOf(ProviderPermanentError);
  });

  it('reads the team balance in cents', async () => {
    expect(await provider.getBalanceCents()).toBe(1_000_000);
    await pay('tx_bal', ada, '0.07');
    expect(await provider.getBalanceCents()).toBe(999_993);
  });
});

describe('the Rise provider against a sandbox with short-lived JWTs and typed data', () => {
  let ctx: TestContext;
  let sandbox: RiseSandboxProcess;
  let sandboxControls: ReturnType<typeof controls>;
  const jwtTtlMs = 1500;

  beforeAll(async () => {
    ctx = await makeTestContext();
    sandbox = await spawnRiseSandbox(
      sandboxEnv(ctx.databaseUrl, {
        RISE_SANDBOX_JWT_TTL_MS: String(jwtTtlMs),
        RISE_SANDBOX_TYPED_DATA_TTL_SECONDS: '1',
      }),
    );
    sandboxControls = controls(sandbox);
  });
  afterAll(async () => {
    await sandbox?.stop();
    await ctx?.cleanup();
  });
  beforeEach(() => sandboxControls.reset());

  const makeProvider = () =>
    makeRiseProvider({ apiUrl: sandbox.url, teamNanoid: team, riseId, walletPrivateKey: walletKey, timeoutMs: 5000 });

  it('signs in again once on a 401 from an expired JWT', async () => {
    const provider = makeProvider();
    expect(await provider.getBalanceCents()).toBe(1_000_000);
    await sleep(jwtTtlMs + 200);
    // The next call meets a 401, signs in again and repeats the call.
    expect(await provider.getBalanceCents()).toBe(1_000_000);
    await sleep(jwtTtlMs + 200);
    // A scripted sign-in failure shows that a sign-in is what the 401 led to (not a suspension).
    await sandboxControls.fault({ operation: 'auth', kind: 'status500' });
    const error = await provider.getBalanceCents().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderTransientError);
    expect(error).not.toBeInstanceOf(ProviderSuspendedError);
    expect(await sandboxControls.pendingFaults()).toEqual([]);
    expect(await provider.getBalanceCents()).toBe(1_000_000);
  });

  it('shares one sign-in among concurrent callers whose JWT expired', async () => {
    const provider = makeProvider();
    await provider.getBalanceCents();
    await sleep(jwtTtlMs + 200);
    // The shared sign-in is slowed, then its verify fails; a second sign-in would take the second 500.
    await sandboxControls.fault({ operation: 'auth', kind: 'delay', delayMs: 300 });
    await sandboxControls.fault({ operation: 'auth', kind: 'status500', count: 2 });
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => provider.getBalanceCents()));
    for (const result of results) {
      expect(result.status).toBe('rejected');
      expect((result as PromiseRejectedResult).reason).toBeInstanceOf(ProviderTransientError);
      expect((result as PromiseRejectedResult).reason).not.toBeInstanceOf(ProviderSuspendedError);
    }
    expect(await sandboxControls.pendingFaults()).toMatchObject([{ remaining: 1 }]);
  });

  it('prepares again after EXPIRED_TYPED_DATA and pays once', async () => {
    const provider = makeProvider();
    // The first execute is held past the typed data's 1 s lifetime.
    await sandboxControls.fault({ operation: 'execute', kind: 'delay', delayMs: 2100 });
    const receipt = await provider.sendPayment({
      idempotencyKey: 'tx_expired',
      payeeId: ada,
      amount: '5.00',
      currency: 'USD',
      reference: 'late',
    });
    expect(receipt.providerTxId).toMatch(/^pa-/);
    const ledger = await sandboxControls.ledger();
    expect(ledger).toHaveLength(1);
    expect(ledger[0]).toMatchObject({ nanoid: receipt.providerTxId, amount_cents: 500 });
  });
});
