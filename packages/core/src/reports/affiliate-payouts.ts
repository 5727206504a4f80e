import { type DisbursementTransactionStatus, Prisma } from '@payouts/db';
import type { CoreDeps } from '../deps.ts';
import { NotFoundError } from '../errors.ts';
import { formatUsd, parseUsd } from '../money.ts';
import { afterCursor, type Page, type PageRequest, toPage } from '../paging.ts';

export interface AffiliatePayout {
  id: string;
  transactionId: string;
  batchId: string;
  batchNumber: string;
  commissionId: string;
  status: DisbursementTransactionStatus;
  amount: string;
  currency: string;
  provider: string;
  providerTxId: string | null;
  errorMessage: string | null;
  createdAt: Date;
  completedAt: Date | null;
  failedAt: Date | null;
  reversedAt: Date | null;
}

export interface AffiliatePayoutHistory extends Page<AffiliatePayout> {
  /** Over the affiliate's whole history, not only this page: what was paid, and counts per status. */
  totals: { paidCount: number; paidAmount: string; byStatus: Record<string, { count: number; amount: string }> };
}

/** One affiliate's payments, newest first, paged; with totals over all of them. 404 for an unknown affiliate. */
export async function listAffiliatePayouts(
  deps: CoreDeps,
  affiliateId: string,
  page: PageRequest,
): Promise<AffiliatePayoutHistory> {
  const affiliate = await deps.db.affiliateProfile.findUnique({ where: { id: affiliateId }, select: { id: true } });
  if (!affiliate) throw new NotFoundError('affiliate', affiliateId);
  const rows = await deps.db.disbursementTransaction.findMany({
    where: { AND: [{ affiliateProfileId: affiliateId }, afterCursor(page.cursor)] },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: page.limit + 1,
    select: {
      id: true,
      transactionId: true,
      batchId: true,
      batch: { select: { batchNumber: true } },
      commissionId: true,
      status: true,
      amount: true,
      currency: true,
      provider: true,
      providerTxId: true,
      errorMessage: true,
      createdAt: true,
      completedAt: true,
      failedAt: true,
      reversedAt: true,
    },
  });
  const { items, nextCursor } = toPage(rows, page.limit);
  const sums = await deps.db.sql<{ status: string; count: number; amount: string }>(
    Prisma.sql`SELECT status::text AS status, count(*)::int AS count, sum(amount)::text AS amount
      FROM "DisbursementTransaction" WHERE "affiliateProfileId" = ${affiliateId} GROUP BY status ORDER BY status`,
  );
  const byStatus = Object.fromEntries(
    sums.map((s) => [s.status, { count: s.count, amount: formatUsd(parseUsd(s.amount)) }]),
  );
  return {
    items: items.map(({ batch, amount, ...t }) => ({
      ...t,
      batchNumber: batch.batchNumber,
      amount: amount.toFixed(2),
    })),
    nextCursor,
    totals: {
      paidCount: byStatus.COMPLETED?.count ?? 0,
      paidAmount: byStatus.COMPLETED?.amount ?? '0.00',
      byStatus,
    },
  };
}
