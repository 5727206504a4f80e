import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { centsToUsd, usdToCents } from '../src/rise/usd-cents.ts';

const safeCents = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });

describe('USD <-> cents for Rise', () => {
  it('round-trips every safe cents value through its decimal string', () => {
    fc.assert(
      fc.property(safeCents, (cents) => {
        const usd = centsToUsd(cents);
        expect(usd).toMatch(/^(0|[1-9]\d*)\.\d{2}$/);
        expect(usdToCents(usd)).toBe(cents);
      }),
    );
  });

  it('reads one or two decimals and whole amounts the same as the padded form', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.integer({ min: 0, max: 99 }), (whole, fraction) => {
        const two = `${whole}.${String(fraction).padStart(2, '0')}`;
        const expected = Number(whole * 100n + BigInt(fraction));
        expect(usdToCents(two)).toBe(expected);
        if (fraction % 10 === 0) expect(usdToCents(`${whole}.${fraction / 10}`)).toBe(expected);
        if (fraction === 0) expect(usdToCents(`${whole}`)).toBe(expected);
      }),
    );
  });

  it('is exact where floats are not', () => {
    expect(usdToCents('0.29')).toBe(29); // 0.29 * 100 = 28.999999999999996 as a float
    expect(usdToCents('1.15')).toBe(115);
    expect(usdToCents('90071992547409.91')).toBe(Number.MAX_SAFE_INTEGER);
    expect(centsToUsd(7)).toBe('0.07');
    expect(centsToUsd(0)).toBe('0.00');
  });

  it('refuses more than two decimals, negatives and junk', () => {
    fc.assert(
      fc.property(safeCents, fc.integer({ min: 0, max: 9 }), (cents, extra) => {
        expect(() => usdToCents(`${centsToUsd(cents)}${extra}`)).toThrow(RangeError);
        expect(() => usdToCents(`-${centsToUsd(cents)}`)).toThrow(RangeError);
      }),
    );
    fc.assert(
      fc.property(fc.string(), (text) => {
        fc.pre(!/^(0|[1-9]\d*)(\.\d{1,2})?$/.test(text));
        expect(() => usdToCents(text)).toThrow(RangeError);
      }),
    );
    for (const junk of ['', '.5', '1.', '01.00', '1e3', ' 1.00', '1.00 ', '1,00', 'NaN', '0x10', '+1']) {
      expect(() => usdToCents(junk), junk).toThrow(RangeError);
    }
    expect(() => usdToCents('90071992547409.92')).toThrow(RangeError);
  });

  it('refuses cents that are not non-negative safe integers', () => {
    for (const bad of [-1, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 1])
      expect(() => centsToUsd(bad)).toThrow(RangeError);
  });
});
