import { formatUsd, parseUsd } from '@payouts/core';

// The generator draws whole cents as safe integers; the conversions are core's exact money helpers.

export function centsToDecimal(cents: number): string {
  if (!Number.isSafeInteger(cents)) throw new Error(`not a whole number of cents: ${cents}`);
  return formatUsd(BigInt(cents));
}

export function decimalToCents(amount: string): number {
  const cents = parseUsd(amount);
  if (cents > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`amount too large for generated data: "${amount}"`);
  return Number(cents);
}
