import type { CommissionStatus } from '@payouts/db';
import { decimalToCents } from './money.ts';
import type { CountedRows, SeedOptions } from './seed-data.types.ts';

/** What a seed wrote, counted chunk by chunk, so that nobody has to hold all of it. */
export interface SeedSummary {
  options: Required<SeedOptions>;
  affiliates: number;
  commissions: Record<CommissionStatus, number>;
  payoutAccounts: number;
  /** Past payments (COMPLETED transactions) and the batches holding them. */
  payments: number;
  batches: number;
  payableAffiliates: number;
  /** What the payable affiliates would be paid now, in cents. */
  payableCents: number;
}

export function emptySeedSummary(options: Required<SeedOptions>): SeedSummary {
  return {
    options,
    affiliates: 0,
    commissions: { PENDING: 0, APPROVED: 0, PAID: 0, CANCELLED: 0 },
    payoutAccounts: 0,
    payments: 0,
    batches: 0,
    payableAffiliates: 0,
    payableCents: 0,
  };
}

export function addToSeedSummary(summary: SeedSummary, chunk: CountedRows): void {
  summary.affiliates += chunk.affiliateProfiles.length;
  for (const c of chunk.commissions) summary.commissions[c.status]++;
  summary.payoutAccounts += chunk.riseAccounts.length;
  summary.payments += chunk.transactions.length;
  summary.batches += chunk.paymentBatches.length;
  for (const a of chunk.affiliates) {
    if (!a.payable) continue;
    summary.payableAffiliates++;
    summary.payableCents += decimalToCents(a.approvedTotal);
  }
}

/** The chunks, unchanged, each counted into `summary` as it passes (complete once all have passed). */
export function* countedInto<C extends CountedRows>(summary: SeedSummary, chunks: Iterable<C>): Generator<C> {
  for (const chunk of chunks) {
    addToSeedSummary(summary, chunk);
    yield chunk;
  }
}
