import { describe, expect, it } from 'vitest';
import {
  type CallDecision,
  decideMockCall,
  faultKinds,
  formatPpm,
  type MockFaultPlan,
  MockFaultPlanError,
  probabilityToPpm,
  resolveFaultPlan,
  rollPpm,
} from '../src/mock-faults.ts';
import { binomialBounds } from './binomial.ts';

const keys = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}-${i}`);

describe('probabilityToPpm', () => {
  it.each([
    ['0', 0],
    ['0.05', 50_000],
    ['0.000001', 1],
    ['0.0500000', 50_000],
    ['1', 1_000_000],
    ['1.000', 1_000_000],
    [' 0.1 ', 100_000],
    [0, 0],
    [0.05, 50_000],
    [0.07, 70_000],
    [1, 1_000_000],
  ])('%j -> %i ppm', (value, ppm) => {
    expect(probabilityToPpm(value)).toBe(ppm);
  });

  it.each(['', 'abc', '-0.1', '1.5', '1.0000001', '0.0000001', '.5', '5e-2', '0,5', -0.1, 1.01, Number.NaN, 0.0000001])(
    'refuses %j',
    (value) => {
      expect(probabilityToPpm(value)).toBeUndefined();
    },
  );

  it('formats ppm back to decimals', () => {
    expect([0, 1, 50_000, 100_000, 1_000_000, 1_050_000].map(formatPpm)).toEqual([
      '0',
      '0.000001',
      '0.05',
      '0.1',
      '1',
      '1.05',
    ]);
  });
});

describe('resolveFaultPlan', () => {
  it('converts probabilities to ppm and fills defaults', () => {
    const plan = resolveFaultPlan({ seed: 7, transient: '0.1', timeoutAfterPay: 0.05 });
    expect(plan.seed).toBe('7');
    expect(plan.ppm).toEqual({
      transient: 100_000,
      permanent: 0,
      rateLimited: 0,
      timeoutBeforePay: 0,
      timeoutAfterPay: 50_000,
    });
    expect(plan.rateLimitRetryAfterMs).toBe(1000);
  });

  it.each([
    [{ seed: 1, transient: '1.5' }, /faults.transient must be a decimal in \[0, 1\]/],
    [{ seed: 1, permanent: -1 }, /faults.permanent/],
    [{ seed: 1, transient: '0.6', timeoutAfterPay: '0.5' }, /sum to 1.1, more than 1/],
    [{ seed: 1, rateLimitRetryAfterMs: -5 }, /rateLimitRetryAfterMs/],
    [{ seed: 1, byPayee: { p: 'broken' } }, /faults.byPayee\[p\]/],
    [{ seed: 1, script: { k: ['transient', 'nope'] } }, /faults.script\[k\] has nope/],
  ] as [MockFaultPlan, RegExp][])('refuses %j', (plan, message) => {
    expect(() => resolveFaultPlan(plan)).toThrow(MockFaultPlanError);
    expect(() => resolveFaultPlan(plan)).toThrow(message);
  });

  it('accepts probabilities summing to exactly 1', () => {
    expect(
      resolveFaultPlan({ seed: 1, transient: '0.5', permanent: '0.25', timeoutAfterPay: '0.25' }).ppm.transient,
    ).toBe(500_000);
  });
});

describe('rollPpm', () => {
  it('is sha256("seed:key:attempt") as a number in [0, 10^6), pinned so seeded runs stay comparable', () => {
    expect([1, 2, 3].map((n) => rollPpm('42', 'key-1', n))).toEqual([674_001, 234_737, 496_699]);
    expect(rollPpm('7', 'pay-abc', 1)).toBe(592_520);
  });

  it('is roughly uniform', () => {
    const buckets = new Array<number>(10).fill(0);
    for (const key of keys('u', 20_000)) {
      const bucket = Math.floor(rollPpm('1', key, 1) / 100_000);
      buckets[bucket] = (buckets[bucket] ?? 0) + 1;
    }
    const [low, high] = binomialBounds(20_000, 0.1);
    for (const count of buckets) {
      expect(count).toBeGreaterThanOrEqual(low);
      expect(count).toBeLessThanOrEqual(high);
    }
  });
});

describe('decideMockCall', () => {
  const probabilities = {
    transient: '0.1',
    permanent: '0.01',
    rateLimited: '0.02',
    timeoutBeforePay: '0.03',
    timeoutAfterPay: '0.05',
  };
  const sequence = (seed: number, key: string) => {
    const plan = resolveFaultPlan({ seed, ...probabilities });
    return [1, 2, 3, 4, 5, 6, 7, 8].map((attempt) =>
      decideMockCall(plan, { idempotencyKey: key, payeeId: 'p', attempt }),
    );
  };

  it('depends only on seed, key and attempt', () => {
    for (const key of keys('d', 200)) expect(sequence(42, key)).toEqual(sequence(42, key));
    const differing = keys('d', 200).filter((key) => sequence(42, key).join() !== sequence(43, key).join());
    expect(differing.length).toBeGreaterThan(100);
  });

  it('honours the probabilities over 100,000 keys', () => {
    const plan = resolveFaultPlan({ seed: 'dist', ...probabilities });
    const counts = new Map<CallDecision, number>();
    const n = 100_000;
    for (const key of keys('p', n)) {
      const decision = decideMockCall(plan, { idempotencyKey: key, payeeId: 'p', attempt: 1 });
      counts.set(decision, (counts.get(decision) ?? 0) + 1);
    }
    for (const kind of faultKinds) {
      const [low, high] = binomialBounds(n, Number(probabilities[kind]));
      expect(counts.get(kind) ?? 0, kind).toBeGreaterThanOrEqual(low);
      expect(counts.get(kind) ?? 0, kind).toBeLessThanOrEqual(high);
    }
  });

  it('never faults with no probabilities, always faults with probability 1', () => {
    const none = resolveFaultPlan({ seed: 1 });
    const always = resolveFaultPlan({ seed: 1, timeoutBeforePay: 1 });
    for (const key of keys('x', 500)) {
      expect(decideMockCall(none, { idempotencyKey: key, payeeId: 'p', attempt: 1 })).toBe('ok');
      expect(decideMockCall(always, { idempotencyKey: key, payeeId: 'p', attempt: 3 })).toBe('timeoutBeforePay');
    }
  });

  it('plays a key script in order, then succeeds; the script wins over the payee and the probabilities', () => {
    const plan = resolveFaultPlan({
      seed: 1,
      transient: 1,
      byPayee: { refused: 'permanent' },
      script: { k: ['rateLimited', 'ok', 'timeoutAfterPay'] },
    });
    const calls = [1, 2, 3, 4, 5].map((attempt) =>
      decideMockCall(plan, { idempotencyKey: 'k', payeeId: 'refused', attempt }),
    );
    expect(calls).toEqual(['rateLimited', 'ok', 'timeoutAfterPay', 'ok', 'ok']);
    expect(decideMockCall(plan, { idempotencyKey: 'other', payeeId: 'refused', attempt: 1 })).toBe('permanent');
    expect(decideMockCall(plan, { idempotencyKey: 'other', payeeId: 'fine', attempt: 1 })).toBe('transient');
  });
});
