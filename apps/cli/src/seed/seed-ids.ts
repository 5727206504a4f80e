// Seeded ids derive from the seed, the affiliate's number n and the commission's number j, never from the
// random sequence: the same options give the same ids, and the payment history rebuilds them from the
// numbers alone.

export const affiliateIdOf = (seed: number, n: number): string => `aff_${seed}_${n}`;

export const payoutAccountIdOf = (seed: number, n: number): string => `rise_acct_${seed}_${n}`;

/** `<seed>_<affiliate>_<commission>`: the suffix of the commission's id and of every id its payment has. */
export const commissionKeyOf = (seed: number, n: number, j: number): string => `${seed}_${n}_${j}`;

export const commissionIdOf = (key: string): string => `com_${key}`;
