// Seeded payout accounts carry Rise user nanoids ("us-" + 12 characters), so that the Rise sandbox can
// know the same payees. They are derived from the seed and the affiliate's number, never drawn from the
// generator's random sequence, so adding them changed no other seeded value.

/** The shape seeded ids take: `us-` and 12 lowercase letters or digits. */
export const SEEDED_RISE_USER_NANOID = /^us-[0-9a-z]{12}$/;

const NUMBER_BITS = 30n;
const WIDTH = 62n;
const MASK = (1n << WIDTH) - 1n;
// Odd multipliers: multiplying by an odd number modulo 2^62 is a bijection, as is x ^ (x >> k).
const MULTIPLIER_A = 0x2545f4914f6cdd1dn & MASK;
const MULTIPLIER_B = 0x1b873593cc9e2d51n & MASK;

/**
 * The Rise user nanoid of affiliate number `n` (1-based) of a seed. The pair (seed, n) is packed into
 * 62 bits and scrambled by a bijection, so different pairs always give different nanoids; 36^12 > 2^62,
 * so 12 base-36 digits hold every value.
 */
export function riseUserNanoid(seed: number, n: number): string {
  if (!Number.isSafeInteger(seed) || seed < 0 || seed > 0xffffffff) throw new RangeError('seed must be in 0..2^32-1');
  if (!Number.isSafeInteger(n) || n < 1 || n >= 2 ** Number(NUMBER_BITS)) {
    throw new RangeError(`affiliate number must be in 1..2^${NUMBER_BITS}-1`);
  }
  let x = (BigInt(seed) << NUMBER_BITS) | BigInt(n);
  x = (x * MULTIPLIER_A) & MASK;
  x ^= x >> 31n;
  x = (x * MULTIPLIER_B) & MASK;
  x ^= x >> 29n;
  return `us-${x.toString(36).padStart(12, '0')}`;
}
