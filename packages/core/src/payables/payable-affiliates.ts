import { Prisma, type RiseWorksKycStatus } from '@payouts/db';
import type { DbClient } from '../deps.ts';
import { compareUsd } from '../money.ts';

export const ineligibleReasons = ['NO_PAYOUT_ACCOUNT', 'KYC_NOT_APPROVED', 'BELOW_MINIMUM'] as const;
export type IneligibleReason = (typeof ineligibleReasons)[number];

export interface PayoutAccountView {
  id: string;
  riseId: string;
  kycStatus: RiseWorksKycStatus;
}

/** An affiliate with APPROVED commissions in no live transaction, and whether a batch would pay them now. */
export interface PayableAffiliate {
  affiliateId: string;
  fullName: string;
  email: string;
  country: string;
  commissionCount: number;
  pendingAmount: string;
  paidAmount: string;
  oldestCommissionAt: Date;
  payoutAccount: PayoutAccountView | null;
  eligible: boolean;
  reason: IneligibleReason | null;
}

/** The first rule an affiliate fails, in the order an admin fixes them; null when payable. */
export function ineligibilityReason(input: {
  kycStatus: RiseWorksKycStatus | null;
  pendingAmount: string;
  minPayout: string;
}): IneligibleReason | null {
  if (input.kycStatus === null) return 'NO_PAYOUT_ACCOUNT';
  if (input.kycStatus !== 'APPROVED') return 'KYC_NOT_APPROVED';
  if (compareUsd(input.pendingAmount, input.minPayout) < 0) return 'BELOW_MINIMUM';
  return null;
}

interface Row {
  affiliateId: string;
  fullName: string;
  email: string;
  country: string;
  commissionCount: number;
  pendingAmount: string;
  paidAmount: string;
  oldestCommissionAt: Date;
  accountId: string | null;
  riseId: string | null;
  kycStatus: RiseWorksKycStatus | null;
}

/**
 * Every affiliate with open (APPROVED, in no live transaction) commissions: count, exact total,
 * oldest date, payout account and KYC, eligibility and reason. One query for any number of affiliates.
 */
export async function listPayableAffiliates(
  deps: { db: DbClient },
  filter: { minPayout: string; affiliateIds?: readonly string[] },
): Promise<PayableAffiliate[]> {
  const onlyAffiliates = filter.affiliateIds
    ? Prisma.sql`AND c."affiliateProfileId" = ANY(${[...filter.affiliateIds]}::text[])`
    : Prisma.empty;
  const rows = await deps.db.$queryRaw<Row[]>`
    SELECT p."id" AS "affiliateId", p."fullName", u."email", p."country",
           o."commissionCount", o."pendingAmount"::text AS "pendingAmount", p."paidCommissions"::text AS "paidAmount",
           o."oldestCommissionAt", a."id" AS "accountId", a."riseId", a."kycStatus"
    FROM (
      SELECT c."affiliateProfileId", count(*)::int AS "commissionCount", sum(c."commissionAmount") AS "pendingAmount",
             min(c."createdAt") AS "oldestCommissionAt"
      FROM "Commission" c
      WHERE c."status" = 'APPROVED'
        AND NOT EXISTS (SELECT 1 FROM "DisbursementTransaction" t WHERE t."liveCommissionId" = c."id")
        ${onlyAffiliates}
      GROUP BY c."affiliateProfileId"
    ) o
    JOIN "AffiliateProfile" p ON p."id" = o."affiliateProfileId"
    JOIN "User" u ON u."id" = p."userId"
    LEFT JOIN "AffiliateRiseAccount" a ON a."affiliateProfileId" = p."id"
    ORDER BY o."oldestCommissionAt", p."id"`;
  return rows.map((row) => {
    const reason = ineligibilityReason({
      kycStatus: row.kycStatus,
      pendingAmount: row.pendingAmount,
      minPayout: filter.minPayout,
    });
    return {
      affiliateId: row.affiliateId,
      fullName: row.fullName,
      email: row.email,
      country: row.country,
      commissionCount: row.commissionCount,
      pendingAmount: row.pendingAmount,
      paidAmount: row.paidAmount,
      oldestCommissionAt: row.oldestCommissionAt,
      payoutAccount:
        row.accountId && row.riseId && row.kycStatus
          ? { id: row.accountId, riseId: row.riseId, kycStatus: row.kycStatus }
          : null,
      eligible: reason === null,
      reason,
    };
  });
}
