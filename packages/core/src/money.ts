// Exact USD amounts: parsed to integer cents (bigint), never a JS number.
// A USD string is what numeric(18,2) holds: up to 16 integer digits and up to 2 decimals; output always has 2.
// Provider (RiseWorks) token units have 6 decimals: 1 USD = 1_000_000 units, so 1 cent = 10_000 units.

export class MoneyError extends Error {
  override name = 'MoneyError';
}

const MAX_CENTS = 10n ** 18n - 1n; // 9999999999999999.99, the largest numeric(18,2)
const UNITS_PER_CENT = 10_000n;

// A leading "-" is accepted: payments are never negative, but sums of adjustments can be.
// No leading zeros ("007"), so each amount has one spelling and 16 digits really are 16 significant digits.
const USD_PATTERN = /^(-?)(0|[1-9][0-9]{0,15})(?:\.([0-9]{1,2}))?$/;

function quote(value: unknown): string {
  if (typeof value !== 'string') return `${typeof value} ${String(value)}`;
  return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
}

/** "12", "12.5", "12.50", "-3.10" → cents. Throws MoneyError for anything else (see USD_PATTERN). */
export function parseUsd(value: string): bigint {
  // The typeof check keeps a float that slipped past the types (JSON, `any`) from being coerced by the regex.
  const match = typeof value === 'string' ? USD_PATTERN.exec(value) : null;
  if (!match) {
    throw new MoneyError(`Invalid USD amount ${quote(value)}: expected digits with at most 2 decimals, like "1234.50"`);
  }
  const [, sign = '', whole = '', fraction = ''] = match;
  const cents = BigInt(whole) * 100n + BigInt(fraction.padEnd(2, '0'));
  return sign === '-' ? -cents : cents;
}

/** Cents → "1234.50", "-0.05", "0.00". Throws MoneyError outside the numeric(18,2) range. */
export function formatUsd(cents: bigint): string {
  if (typeof cents !== 'bigint') throw new MoneyError(`Expected cents as a bigint, got ${quote(cents)}`);
  if (cents > MAX_CENTS || cents < -MAX_CENTS) {
    throw new MoneyError(`${cents} cents does not fit numeric(18,2)`);
  }
  const digits = (cents < 0n ? -cents : cents).toString().padStart(3, '0');
  return `${cents < 0n ? '-' : ''}${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

/** Exact sum; "0.00" for none. Throws MoneyError if the total does not fit numeric(18,2). */
export function sumUsd(values: readonly string[]): string {
  let total = 0n;
  for (const value of values) total += parseUsd(value);
  return formatUsd(total);
}

export function compareUsd(a: string, b: string): -1 | 0 | 1 {
  const difference = parseUsd(a) - parseUsd(b);
  if (difference < 0n) return -1;
  return difference > 0n ? 1 : 0;
}

export function usdToProviderUnits(value: string): bigint {
  return parseUsd(value) * UNITS_PER_CENT;
}

/** Throws MoneyError unless `units` is a whole number of cents: money is never rounded silently. */
export function providerUnitsToUsd(units: bigint): string {
  if (typeof units !== 'bigint') throw new MoneyError(`Expected provider units as a bigint, got ${quote(units)}`);
  if (units % UNITS_PER_CENT !== 0n) {
    throw new MoneyError(`${units} provider units is not a whole number of cents`);
  }
  return formatUsd(units / UNITS_PER_CENT);
}
