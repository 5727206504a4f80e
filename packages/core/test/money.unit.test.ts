import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareUsd,
  formatUsd,
  MoneyError,
  parseUsd,
  providerUnitsToUsd,
  sumUsd,
  usdToProviderUnits,
} from '../src/money.ts';

// Amounts are generated as bigint cents only; most are beyond 2^53, where any float shortcut loses cents.
const MAX = 10n ** 18n - 1n; // 9999999999999999.99
const cents = (max = MAX) => fc.bigInt({ min: -max, max });

function expectMoneyError(run: () => unknown, quoted?: string): void {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(MoneyError);
  if (quoted !== undefined) expect((thrown as Error).message).toContain(JSON.stringify(quoted));
}

describe('parseUsd and formatUsd', () => {
  it('formats examples', () => {
    expect(formatUsd(123450n)).toBe('1234.50');
    expect(formatUsd(-5n)).toBe('-0.05');
    expect(formatUsd(0n)).toBe('0.00');
    expect(formatUsd(MAX)).toBe('9999999999999999.99');
    expect(formatUsd(-MAX)).toBe('-9999999999999999.99');
  });

  it('parses and normalizes every accepted form', () => {
    expect(parseUsd('12')).toBe(1200n);
    expect(parseUsd('12.5')).toBe(1250n);
    expect(parseUsd('12.50')).toBe(1250n);
    expect(parseUsd('0.01')).toBe(1n);
    expect(parseUsd('-3.10')).toBe(-310n);
    expect(parseUsd('9999999999999999.99')).toBe(MAX);
    expect(formatUsd(parseUsd('-3.1'))).toBe('-3.10');
    expect(formatUsd(parseUsd('-0'))).toBe('0.00');
    expect(formatUsd(parseUsd('7'))).toBe('7.00');
  });

  it('format then parse is the identity on cents', () => {
    fc.assert(
      fc.property(cents(), (value) => {
        const text = formatUsd(value);
        expect(text).toMatch(/^-?(0|[1-9][0-9]*)\.[0-9]{2}$/);
        expect(parseUsd(text)).toBe(value);
      }),
    );
  });

  it('parses any valid spelling to its value, and normalizing is a fixed point', () => {
    const digit = fc.bigInt({ min: 0n, max: 9n });
    const fraction = fc.oneof(
      fc.constant({ text: '', cents: 0n }),
      digit.map((d) => ({ text: `.${d}`, cents: d * 10n })),
      fc.tuple(digit, digit).map(([d1, d2]) => ({ text: `.${d1}${d2}`, cents: d1 * 10n + d2 })),
    );
    fc.assert(
      fc.property(fc.boolean(), fc.bigInt({ min: 0n, max: 10n ** 16n - 1n }), fraction, (negative, whole, frac) => {
        const text = `${negative ? '-' : ''}${whole}${frac.text}`;
        const expected = (negative ? -1n : 1n) * (whole * 100n + frac.cents);
        expect(parseUsd(text)).toBe(expected);
        const normal = formatUsd(parseUsd(text));
        expect(formatUsd(parseUsd(normal))).toBe(normal);
        expect(parseUsd(normal)).toBe(expected);
      }),
    );
  });

  it.each([
    ['more than 2 decimals', '1.234'],
    ['more than 2 decimals, all zero', '1.000'],
    ['exponent', '1e3'],
    ['exponent, upper case', '1.5E2'],
    ['leading space', ' 1.00'],
    ['trailing space', '1.00 '],
    ['trailing newline', '1.00\n'],
    ['inner space', '1 000'],
    ['empty', ''],
    ['trailing dot', '1.'],
    ['leading dot', '.5'],
    ['negative leading dot', '-.5'],
    ['leading plus', '+1'],
    ['thousands comma', '1,000.00'],
    ['decimal comma', '1,50'],
    ['underscore separator', '1_000'],
    ['two dots', '1.2.3'],
    ['lone minus', '-'],
    ['double minus', '--1'],
    ['leading zero', '012.50'],
    ['hex', '0x10'],
    ['Infinity', 'Infinity'],
    ['NaN', 'NaN'],
    ['non-ASCII digits', '١٢'],
    ['17 integer digits', '10000000000000000'],
    ['17 integer digits, negative', '-10000000000000000.00'],
  ])('rejects %s (%j) with a MoneyError quoting it', (_, value) => {
    expectMoneyError(() => parseUsd(value), value);
  });

  it('rejects a number passed where a string belongs', () => {
    expectMoneyError(() => parseUsd(12 as unknown as string));
  });

  it('refuses to format cents outside numeric(18,2)', () => {
    expectMoneyError(() => formatUsd(MAX + 1n));
    expectMoneyError(() => formatUsd(-MAX - 1n));
  });
});

describe('sumUsd', () => {
  it('is exact where floats drift', () => {
    expect(sumUsd(Array.from({ length: 10_000 }, () => '0.01'))).toBe('100.00');
    expect(sumUsd(['0.1', '0.2'])).toBe('0.30');
    expect(sumUsd(['1234567890123456.78', '0.01'])).toBe('1234567890123456.79');
    expect(sumUsd(['9007199254740993.00', '-9007199254740992.99'])).toBe('0.01');
    expect(sumUsd([])).toBe('0.00');
  });

  it('equals the bigint sum, in any order', () => {
    const amounts = fc.array(cents(MAX / 200n), { maxLength: 200 });
    const withShuffle = amounts.chain((values) =>
      fc.tuple(fc.constant(values), fc.shuffledSubarray(values, { minLength: values.length })),
    );
    fc.assert(
      fc.property(withShuffle, ([values, shuffled]) => {
        const expected = formatUsd(values.reduce((sum, value) => sum + value, 0n));
        expect(sumUsd(values.map(formatUsd))).toBe(expected);
        expect(sumUsd(shuffled.map(formatUsd))).toBe(expected);
      }),
    );
  });

  it('throws when the total does not fit numeric(18,2)', () => {
    expectMoneyError(() => sumUsd(['9999999999999999.99', '0.01']));
    expectMoneyError(() => sumUsd(['1', 'abc']), 'abc');
  });
});

describe('compareUsd', () => {
  it('orders like the cents', () => {
    fc.assert(
      fc.property(cents(), cents(), (a, b) => {
        expect(compareUsd(formatUsd(a), formatUsd(b))).toBe(a < b ? -1 : a > b ? 1 : 0);
      }),
    );
    expect(compareUsd('1.5', '1.50')).toBe(0);
    expect(compareUsd('9007199254740993.00', '9007199254740992.99')).toBe(1);
  });
});

describe('provider units', () => {
  it('converts examples', () => {
    expect(usdToProviderUnits('1')).toBe(1_000_000n);
    expect(usdToProviderUnits('0.01')).toBe(10_000n);
    expect(providerUnitsToUsd(1_234_500_000n)).toBe('1234.50');
    expect(providerUnitsToUsd(-50_000n)).toBe('-0.05');
  });

  it('round-trips usd -> units -> usd', () => {
    fc.assert(
      fc.property(cents(), (value) => {
        const units = usdToProviderUnits(formatUsd(value));
        expect(units).toBe(value * 10_000n);
        expect(providerUnitsToUsd(units)).toBe(formatUsd(value));
      }),
    );
  });

  it('rejects units that are not a whole number of cents', () => {
    const subCent = fc.bigInt({ min: 1n, max: 9_999n });
    fc.assert(
      fc.property(cents(), subCent, fc.boolean(), (value, offset, down) => {
        expectMoneyError(() => providerUnitsToUsd(value * 10_000n + (down ? -offset : offset)));
      }),
    );
  });
});
