// Exact conversion between our decimal USD strings and Rise's integer cents: string and bigint
// arithmetic only, never a JS float.

const usdPattern = /^(0|[1-9]\d*)(?:\.(\d{1,2}))?$/;

/** "12.5" -> 1250, "12.50" -> 1250, "0.07" -> 7. Refuses negatives, more than 2 decimals and junk. */
export function usdToCents(amount: string): number {
  const match = usdPattern.exec(amount);
  if (!match) throw new RangeError('not a non-negative USD amount with at most 2 decimals');
  const whole = BigInt(match[1] ?? '0');
  const fraction = BigInt((match[2] ?? '').padEnd(2, '0'));
  const cents = whole * 100n + fraction;
  if (cents > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError('USD amount too large');
  return Number(cents);
}

/** 1250 -> "12.50". Refuses anything but a non-negative safe integer. */
export function centsToUsd(cents: number): string {
  if (!Number.isSafeInteger(cents) || cents < 0) throw new RangeError('cents must be a non-negative safe integer');
  const text = cents.toString().padStart(3, '0');
  return `${text.slice(0, -2)}.${text.slice(-2)}`;
}
