import { Prisma, type RiseWorksKycStatus } from '@payouts/db';
import type { DbClient } from '../deps.ts';
import { compareUsd } from '../money.ts';
import type { CursorPosition } from '../paging.ts';
import { isOpenCommission } from './open-commission.ts';

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

/**
 * The same rule as `ineligibilityReason(...) === null`, in SQL: for counting the payable in aggregates.
 * A condition over the open totals `o` and the payout account `a`.
 */
function isPayableSql(minPayout: string): Prisma.Sql {
  return Prisma.sql`(a."kycStatus" = 'APPROVED' AND o."pendingAmount" >= ${minPayout}::numeric)`;
}

/** Open commissions per affiliate: count, exact total and oldest date. A subquery; its rows are `o` below. */
function openTotalsSql(affiliateIds?: readonly string[]): Prisma.Sql {
  const onlyAffiliates = affiliateIds
    ? Prisma.sql`AND c."affiliateProfileId" = ANY(${[...affiliateIds]}::text[])`
    : Prisma.empty;
  return Prisma.sql`
    SELECT c."affiliateProfileId", count(*)::int AS "commissionCount", sum(c."commissionAmount") AS "pendingAmount",
           min(c."createdAt") AS "oldestCommissionAt"
    FROM "Commission" c
    WHERE ${isOpenCommission} ${onlyAffiliates}
    GROUP BY c."affiliateProfileId"`;
}

/** The affiliate (`p`, `u`) and payout account (`a`) of the open totals `o`. */
const affiliateJoins = Prisma.sql`
    JOIN "AffiliateProfile" p ON p."id" = o."affiliateProfileId"
    JOIN "User" u ON u."id" = p."userId"
    LEFT JOIN "AffiliateRiseAccount" a ON a."affiliateProfileId" = p."id"`;

const rowColumns = Prisma.sql`
    p."id" AS "affiliateId", p."fullName", u."email", p."country",
    o."commissionCount", o."pendingAmount"::text AS "pendingAmount", p."paidCommissions"::text AS "paidAmount",
    o."oldestCommissionAt", a."id" AS "accountId", a."riseId", a."kycStatus"`;

/** Oldest open commission first, then by id as JS compares strings (code units): the cursor's order. */
const payableOrder = Prisma.sql`o."oldestCommissionAt", o."affiliateProfileId" COLLATE "C"`;

interface Row extends Omit<PayableAffiliate, 'payoutAccount' | 'eligible' | 'reason'> {
  accountId: string | null;
  riseId: string | null;
  kycStatus: RiseWorksKycStatus | null;
}

function toPayableAffiliate(row: Row, minPayout: string): PayableAffiliate {
  const reason = ineligibilityReason({ kycStatus: row.kycStatus, pendingAmount: row.pendingAmount, minPayout });
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
}

/**
 * Every affiliate with open (APPROVED, in no live transaction) commissions: count, exact total,
 * oldest date, payout account and KYC, eligibility and reason. One query for any number of affiliates.
 */
export async function listPayableAffiliates(
  deps: { db: DbClient },
  filter: { minPayout: string; affiliateIds?: readonly string[] },
): Promise<PayableAffiliate[]> {
  const rows = await deps.db.$queryRaw<Row[]>`
    SELECT ${rowColumns}
    FROM (${openTotalsSql(filter.affiliateIds)}) o ${affiliateJoins}
    ORDER BY ${payableOrder}`;
  return rows.map((row) => toPayableAffiliate(row, filter.minPayout));
}

/** Over every affiliate with open commissions. */
export interface PayableAffiliatesSummary {
  totalAffiliates: number;
  totalPendingAmount: string;
  readyForPayout: number;
}

/** A summary row, joined to a row of the page, or to nothing when the page is empty. */
type PageRow = PayableAffiliatesSummary & (Row | { [Column in keyof Row]: null });

/**
 * Part of `listPayableAffiliates`' answer, in its order: at most `take` affiliates after the position
 * `after` (oldest commission date, affiliate id), and the summary over all of them. One statement, so the
 * page and the summary read one snapshot, and the open commissions are totalled once. (The summary needs
 * no profile or user: every open commission has both, by foreign keys, so it counts the list's rows.)
 */
export async function selectPayableAffiliatesPage(
  deps: { db: DbClient },
  query: { minPayout: string; take: number; after?: CursorPosition },
): Promise<{ affiliates: PayableAffiliate[]; summary: PayableAffiliatesSummary }> {
  const afterPosition = query.after
    ? Prisma.sql`WHERE (o."oldestCommissionAt", o."affiliateProfileId" COLLATE "C") > (${query.after.createdAt}, ${query.after.id})`
    : Prisma.empty;
  const rows = await deps.db.$queryRaw<PageRow[]>`
    WITH open AS (${openTotalsSql()}
    ), summary AS (
      SELECT count(*)::int AS "totalAffiliates",
             coalesce(sum(o."pendingAmount"), 0)::numeric(18, 2)::text AS "totalPendingAmount",
             (count(*) FILTER (WHERE ${isPayableSql(query.minPayout)}))::int AS "readyForPayout"
      FROM open o
      LEFT JOIN "AffiliateRiseAccount" a ON a."affiliateProfileId" = o."affiliateProfileId"
    ), page AS (
      SELECT o.* FROM open o ${afterPosition} ORDER BY ${payableOrder} LIMIT ${query.take}
    )
    SELECT s."totalAffiliates", s."totalPendingAmount", s."readyForPayout", ${rowColumns}
    FROM summary s
    LEFT JOIN (page o ${affiliateJoins}) ON true
    ORDER BY ${payableOrder}`;
  const [first] = rows;
  const summary = {
    totalAffiliates: first?.totalAffiliates ?? 0,
    totalPendingAmount: first?.totalPendingAmount ?? '0.00',
    readyForPayout: first?.readyForPayout ?? 0,
  };
  const affiliates = rows
    .filter((row): row is PayableAffiliatesSummary & Row => row.affiliateId !== null)
    .map((row) => toPayableAffiliate(row, query.minPayout));
  return { affiliates, summary };
}
