import { makeTestContext, type TestContext } from '@payouts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faultKinds, type MockFaultPlan } from '../src/mock-faults.ts';
import { readMockLedgerByKey } from '../src/mock-ledger.ts';
import { makeMockProvider } from '../src/mock-provider.ts';
import { binomialBounds } from './binomial.ts';
import { inParallel, kindOf, sendOutcome } from './mock-calls.ts';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await makeTestContext();
});
afterAll(async () => {
  await ctx?.cleanup();
});

const keys = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
const busy = {
  transient: '0.2',
  permanent: '0.05',
  rateLimited: '0.1',
  timeoutBeforePay: '0.1',
  timeoutAfterPay: '0.1',
};

describe('seeded faults of the mock provider', () => {
  const callsPerKey = 6;

  /** Every key's outcomes, calling round by round in the given key order, one call at a time. */
  async function roundByRound(plan: MockFaultPlan, order: string[]) {
    const provider = makeMockProvider({ db: ctx.db, faults: plan });
    const outcomes = new Map<string, string[]>(order.map((key) => [key, []]));
    for (let round = 0; round < callsPerKey; round++) {
      for (const key of order) outcomes.get(key)?.push(await sendOutcome(provider, key));
    }
    return outcomes;
  }

  /** Every key's outcomes, keys concurrently (20 at once), each key's calls in sequence. */
  async function keyByKeyConcurrently(plan: MockFaultPlan, order: string[]) {
    const provider = makeMockProvider({ db: ctx.db, faults: plan, latencyMs: 1 });
    const sequences = await inParallel(order, 20, async (key) => {
      const sequence: string[] = [];
      for (let call = 0; call < callsPerKey; call++) sequence.push(await sendOutcome(provider, key));
      return [key, sequence] as const;
    });
    return new Map(sequences);
  }

  it('gives each key the same fault sequence for the same seed, whatever the call order and concurrency', async () => {
    const order = keys('order', 60);
    const first = await roundByRound({ seed: 42, ...busy }, order);
    const second = await keyByKeyConcurrently({ seed: 42, ...busy }, order.toReversed());
    for (const key of order) {
      // Same decisions, and a key that was paid keeps its first providerTxId.
      expect(second.get(key), key).toEqual(first.get(key));
    }
    const kinds = new Set([...first.values()].flat().map(kindOf));
    expect(kinds.size, 'every fault kind and success happened').toBe(faultKinds.length + 1);
  });

  it('gives other sequences for another seed', async () => {
    const order = keys('seed', 60);
    const a = await roundByRound({ seed: 1, ...busy }, order);
    const b = await roundByRound({ seed: 2, ...busy }, order);
    const differing = order.filter((key) => a.get(key)?.map(kindOf).join() !== b.get(key)?.map(kindOf).join());
    expect(differing.length).toBeGreaterThan(30);
  });

  it('honours the probabilities over 2,000 keys, and records exactly the calls that paid', async () => {
    const probabilities = {
      transient: '0.1',
      permanent: '0.01',
      rateLimited: '0.02',
      timeoutBeforePay: '0.03',
      timeoutAfterPay: '0.05',
    };
    const provider = makeMockProvider({
      db: ctx.db,
      faults: { seed: 2026, ...probabilities, rateLimitRetryAfterMs: 750 },
    });
    const order = keys('dist', 2000);
    const outcomes = await inParallel(order, 20, (key) => sendOutcome(provider, key));
    const ofKind = (kind: string) => outcomes.filter((outcome) => /\/(\w+)/.exec(outcome)?.[1] === kind);

    const expected = {
      transient: 'ProviderTransientError/transient',
      permanent: 'ProviderPermanentError/permanent',
      rateLimited: 'ProviderRateLimitedError/rateLimited@750',
      timeoutBeforePay: 'ProviderOutcomeUnknownError/timeoutBeforePay',
      timeoutAfterPay: 'ProviderOutcomeUnknownError/timeoutAfterPay',
    };
    for (const kind of faultKinds) {
      const [low, high] = binomialBounds(order.length, Number(probabilities[kind]));
      expect(ofKind(kind).length, kind).toBeGreaterThanOrEqual(Math.max(low, 1));
      expect(ofKind(kind).length, kind).toBeLessThanOrEqual(high);
      expect(new Set(ofKind(kind)), 'error class').toEqual(new Set([expected[kind]]));
    }

    const ledger = await readMockLedgerByKey(ctx.db);
    order.forEach((key, i) => {
      const outcome = outcomes[i] ?? '';
      const paid = outcome.startsWith('ok:') || outcome.endsWith('/timeoutAfterPay');
      expect(ledger.has(key), `${key}: ${outcome}`).toBe(paid);
      if (outcome.startsWith('ok:')) expect(ledger.get(key)?.providerTxId).toBe(outcome.slice(3));
    });
  });

  it('plays scripted faults in order, then succeeds, even when the probabilities say always fail', async () => {
    const provider = makeMockProvider({
      db: ctx.db,
      faults: {
        seed: 9,
        transient: 1,
        rateLimitRetryAfterMs: 250,
        script: { scripted: ['transient', 'rateLimited', 'timeoutAfterPay', 'timeoutBeforePay', 'permanent'] },
      },
    });
    const outcomes: string[] = [];
    for (let call = 0; call < 7; call++) outcomes.push(await sendOutcome(provider, 'scripted'));
    const providerTxId = (await readMockLedgerByKey(ctx.db)).get('scripted')?.providerTxId;
    expect(outcomes).toEqual([
      'ProviderTransientError/transient',
      'ProviderRateLimitedError/rateLimited@250',
      'ProviderOutcomeUnknownError/timeoutAfterPay',
      'ProviderOutcomeUnknownError/timeoutBeforePay',
      'ProviderPermanentError/permanent',
      `ok:${providerTxId}`,
      `ok:${providerTxId}`,
    ]);
    // The paying call, then the two successes, reached the ledger.
    expect((await readMockLedgerByKey(ctx.db)).get('scripted')?.sendCalls).toBe(3);
    expect(await sendOutcome(provider, 'not-scripted')).toBe('ProviderTransientError/transient');
  });

  it('fails every call of a payee listed in byPayee, and reports a permanent one as KYC rejected', async () => {
    const provider = makeMockProvider({
      db: ctx.db,
      faults: { seed: 3, byPayee: { rise_refused: 'permanent', rise_flaky: 'transient' } },
    });
    for (const key of keys('refused', 3)) {
      expect(await sendOutcome(provider, key, { payeeId: 'rise_refused' })).toBe('ProviderPermanentError/permanent');
      expect(await sendOutcome(provider, key, { payeeId: 'rise_flaky' })).toBe('ProviderTransientError/transient');
      expect(kindOf(await sendOutcome(provider, key, { payeeId: 'rise_fine' }))).toBe('ok');
    }
    expect(await provider.getPayeeStatus('rise_refused')).toEqual({
      payeeId: 'rise_refused',
      kycStatus: 'REJECTED',
      canReceivePayments: false,
    });
    expect((await provider.getPayeeStatus('rise_flaky')).canReceivePayments).toBe(true);
    expect((await provider.getPayeeStatus('rise_fine')).kycStatus).toBe('APPROVED');
  });
});
