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

/** The canonical 2-decimal spelling: "12.5" → "12.50", "-0" → "0.00". */
export function normalizeUsd(value: string): string {
  return formatUsd(parseUsd(value));
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

/**
 * `parts` amounts that differ by at most one cent and sum exactly to `total`; the first ones get the extra cents.
 * A negative total is split like its magnitude, then negated (the first parts are the most negative).
 */
export function splitUsd(total: string, parts: number): string[] {
  if (!Number.isSafeInteger(parts) || parts < 1) {
    throw new MoneyError(`Cannot split ${quote(total)} into ${parts} parts: expected a positive integer`);
  }
  const cents = parseUsd(total);
  const sign = cents < 0n ? -1n : 1n;
  const magnitude = sign * cents;
  const count = BigInt(parts);
  const base = magnitude / count;
  const remainder = magnitude % count;
  return Array.from({ length: parts }, (_, index) => formatUsd(sign * (BigInt(index) < remainder ? base + 1n : base)));
}

/**
 * `total` split in proportion to `weights`, summing exactly to it (largest remainder method: each part is its
 * exact share rounded down, and the cents left over go to the largest remainders, ties to the lower index).
 * Every part is within one cent of its exact share; a zero weight gets "0.00".
 * A negative total is allocated like its magnitude, then negated.
 */
export function allocateUsd(total: string, weights: readonly bigint[]): string[] {
  if (weights.length === 0) throw new MoneyError(`Cannot allocate ${quote(total)}: no weights`);
  let weightSum = 0n;
  for (const weight of weights) {
    if (typeof weight !== 'bigint' || weight < 0n) {
      throw new MoneyError(`Cannot allocate ${quote(total)}: weight ${quote(weight)} is not a non-negative bigint`);
    }
    weightSum += weight;
  }
  if (weightSum === 0n) throw new MoneyError(`Cannot allocate ${quote(total)}: all weights are zero`);

  const cents = parseUsd(total);
  const sign = cents < 0n ? -1n : 1n;
  const magnitude = sign * cents;
  const shares = weights.map((weight, index) => ({
    index,
    floor: (magnitude * weight) / weightSum,
    rest: (magnitude * weight) % weightSum,
  }));
  // Fewer than weights.length cents are left over, so Number() is exact.
  const leftover = Number(magnitude - shares.reduce((sum, share) => sum + share.floor, 0n));
  const byRest = [...shares].sort((a, b) => {
    if (a.rest === b.rest) return a.index - b.index;
    return a.rest > b.rest ? -1 : 1;
  });
  const getsExtraCent = new Set(byRest.slice(0, leftover).map((share) => share.index));
  return shares.map((share) => formatUsd(sign * (getsExtraCent.has(share.index) ? share.floor + 1n : share.floor)));
}
