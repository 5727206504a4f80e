import { createHash } from 'node:crypto';
import { Prisma } from '@payouts/db';
import { isOpenCommission } from './open-commission.ts';

/** One commission that a batch created now would pay. */
export interface PayableCommission {
  commissionId: string;
  affiliateId: string;
  payeeId: string;
  amount: string;
}

export interface PayableFilter {
  minPayout: string;
  affiliateIds?: readonly string[];
}

/**
 * The commissions a batch would pay: APPROVED, in no live transaction, of affiliates whose payout
 * account's KYC is APPROVED and whose total of such commissions reaches the minimum.
 * With `lock`, the selected commissions are locked FOR UPDATE until the caller's DB transaction ends, so
 * nothing changes them while a batch is written for them.
 */
export async function selectPayableCommissions(
  tx: Prisma.TransactionClient,
  filter: PayableFilter,
  options: { lock: boolean },
): Promise<PayableCommission[]> {
  const onlyAffiliates = filter.affiliateIds
    ? Prisma.sql`AND c."affiliateProfileId" = ANY(${[...filter.affiliateIds]}::text[])`
    : Prisma.empty;
  const lock = options.lock ? Prisma.sql`FOR UPDATE OF c` : Prisma.empty;
  return tx.$queryRaw<PayableCommission[]>`
    WITH open AS (
      SELECT c."id", c."affiliateProfileId", c."commissionAmount", c."createdAt"
      FROM "Commission" c
      WHERE ${isOpenCommission}
        ${onlyAffiliates}
      ${lock}
    ), totals AS (
      SELECT o.*, sum(o."commissionAmount") OVER (PARTITION BY o."affiliateProfileId") AS "affiliateTotal"
      FROM open o
    )
    SELECT t."id" AS "commissionId", t."affiliateProfileId" AS "affiliateId", a."riseId" AS "payeeId",
           t."commissionAmount"::text AS "amount"
    FROM totals t
    JOIN "AffiliateRiseAccount" a ON a."affiliateProfileId" = t."affiliateProfileId" AND a."kycStatus" = 'APPROVED'
    WHERE t."affiliateTotal" >= ${filter.minPayout}::numeric
    ORDER BY t."affiliateProfileId", t."createdAt", t."id"`;
}

/**
 * A fingerprint of exactly what would be paid (each commission, its payee and amount). A preview
 * returns it; creating with it fails when anything changed in between.
 */
export function computePlanHash(commissions: readonly PayableCommission[]): string {
  const lines = commissions
    .map((c) => `${c.commissionId}|${c.affiliateId}|${c.payeeId}|${c.amount}`)
    .sort()
    .join('\n');
  return createHash('sha256').update(lines).digest('hex');
}
