import { type CommissionStatus, Prisma } from '@payouts/db';
import type { CoreDeps, DbClient } from '../deps.ts';
import { NotFoundError } from '../errors.ts';
import { decodeCursor, type Page, type PageRequest, toPage } from '../paging.ts';
import { isOpenCommission } from '../payables/open-commission.ts';
import { type PayoutAccountDetails, payoutAccountDetailsSelect } from './payout-accounts.ts';

/** An APPROVED commission in no live transaction: what the next batch would pay if the affiliate is payable. */
export interface OpenCommissionView {
  id: string;
  affiliateProfileId: string;
  affiliateCodeId: string;
  affiliateCode: { code: string };
  userId: string;
  subscriptionId: string | null;
  grossRevenue: string;
  discountAmount: string;
  netRevenue: string;
  commissionAmount: string;
  status: CommissionStatus;
  createdAt: Date;
  updatedAt: Date;
}

export interface AffiliateDetails {
  id: string;
  fullName: string;
  email: string;
  country: string;
  /** Exact sum of the open commissions (APPROVED, in no live transaction). */
  totalPending: string;
  totalPaid: string;
  riseAccount: PayoutAccountDetails | null;
  /** The newest open commissions, at most `pendingLimit` of them. */
  pendingCommissions: OpenCommissionView[];
}

/** Ids of an affiliate's open commissions, newest first, after the cursor position when given, at most `take`. */
async function openCommissionIds(
  db: DbClient,
  affiliateId: string,
  take: number,
  after?: { createdAt: Date; id: string },
): Promise<string[]> {
  const afterPosition = after
    ? Prisma.sql`AND (c."createdAt", c."id") < (${after.createdAt}, ${after.id})`
    : Prisma.empty;
  const rows = await db.$queryRaw<{ id: string }[]>`
    SELECT c."id" FROM "Commission" c
    WHERE c."affiliateProfileId" = ${affiliateId} AND ${isOpenCommission}
      ${afterPosition}
    ORDER BY c."createdAt" DESC, c."id" DESC
    LIMIT ${take}`;
  return rows.map((row) => row.id);
}

/** The commissions of these ids, in the ids' order. */
async function commissionsInOrder(db: DbClient, ids: string[]): Promise<CommissionRow[]> {
  if (ids.length === 0) return [];
  const rows = await db.commission.findMany({ where: { id: { in: ids } }, select: commissionSelect });
  const byId = new Map(rows.map((row) => [row.id, row]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

const commissionSelect = {
  id: true,
  affiliateProfileId: true,
  affiliateCodeId: true,
  affiliateCode: { select: { code: true } },
  userId: true,
  subscriptionId: true,
  grossRevenue: true,
  discountAmount: true,
  netRevenue: true,
  commissionAmount: true,
  status: true,
  createdAt: true,
  updatedAt: true,
} as const satisfies Prisma.CommissionSelect;

type CommissionRow = Prisma.CommissionGetPayload<{ select: typeof commissionSelect }>;

function toCommissionView(row: CommissionRow): OpenCommissionView {
  return {
    ...row,
    grossRevenue: row.grossRevenue.toFixed(2),
    discountAmount: row.discountAmount.toFixed(2),
    netRevenue: row.netRevenue.toFixed(2),
    commissionAmount: row.commissionAmount.toFixed(2),
  };
}

async function openTotals(db: DbClient, affiliateId: string): Promise<{ count: number; totalAmount: string }> {
  const [row] = await db.$queryRaw<{ count: number; totalAmount: string }[]>`
    SELECT count(*)::int AS "count", coalesce(sum(c."commissionAmount"), 0)::numeric(18, 2)::text AS "totalAmount"
    FROM "Commission" c
    WHERE c."affiliateProfileId" = ${affiliateId} AND ${isOpenCommission}`;
  return row ?? { count: 0, totalAmount: '0.00' };
}

/** One affiliate with its payout account and open commissions; NOT_FOUND when unknown. */
export async function getAffiliateDetails(
  deps: CoreDeps,
  affiliateId: string,
  options: { pendingLimit?: number } = {},
): Promise<AffiliateDetails> {
  const profile = await deps.db.affiliateProfile.findUnique({
    where: { id: affiliateId },
    select: {
      id: true,
      fullName: true,
      country: true,
      paidCommissions: true,
      user: { select: { email: true } },
      riseAccount: { select: payoutAccountDetailsSelect },
    },
  });
  if (!profile) throw new NotFoundError('affiliate', affiliateId);
  const [totals, pending] = await Promise.all([
    openTotals(deps.db, affiliateId),
    openCommissionIds(deps.db, affiliateId, options.pendingLimit ?? 200).then((ids) =>
      commissionsInOrder(deps.db, ids),
    ),
  ]);
  return {
    id: profile.id,
    fullName: profile.fullName,
    email: profile.user.email,
    country: profile.country,
    totalPending: totals.totalAmount,
    totalPaid: profile.paidCommissions.toFixed(2),
    riseAccount: profile.riseAccount,
    pendingCommissions: pending.map(toCommissionView),
  };
}

/** An affiliate's open commissions, newest first, keyset paged; the summary covers all of them. */
export async function listOpenCommissions(
  deps: CoreDeps,
  affiliateId: string,
  page: PageRequest,
): Promise<Page<OpenCommissionView> & { summary: { count: number; totalAmount: string } }> {
  const after = page.cursor ? decodeCursor(page.cursor) : undefined;
  const exists = await deps.db.affiliateProfile.count({ where: { id: affiliateId } });
  if (exists === 0) throw new NotFoundError('affiliate', affiliateId);
  const [summary, rows] = await Promise.all([
    openTotals(deps.db, affiliateId),
    openCommissionIds(deps.db, affiliateId, page.limit + 1, after).then((ids) => commissionsInOrder(deps.db, ids)),
  ]);
  const result = toPage(rows, page.limit);
  return { items: result.items.map(toCommissionView), nextCursor: result.nextCursor, summary };
}
