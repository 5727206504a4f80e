import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { paymentBackoffDelay } from '../src/backoff.ts';

const config = { initialMs: 1000, multiplier: 2, maxMs: 60_000, jitter: 0.2 };
const noJitter = { ...config, jitter: 0 };

describe('paymentBackoffDelay', () => {
  it('grows exponentially from the initial delay and stops at the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => paymentBackoffDelay(n, noJitter, undefined))).toEqual([
      1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000,
    ]);
  });

  it('stays within the jitter band and under the cap', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
        (n, r) => {
          const base = Math.min(1000 * 2 ** (n - 1), 60_000);
          const delay = paymentBackoffDelay(n, config, undefined, () => r);
          expect(delay).toBeGreaterThanOrEqual(Math.floor(base * 0.8));
          expect(delay).toBeLessThanOrEqual(Math.min(Math.ceil(base * 1.2), 60_000));
        },
      ),
    );
  });

  it('never retries sooner than the provider asked', () => {
    expect(paymentBackoffDelay(1, noJitter, 45_000)).toBe(45_000);
    expect(paymentBackoffDelay(6, noJitter, 5_000)).toBe(32_000);
  });
});
