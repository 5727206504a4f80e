import type { Readable } from 'node:stream';
import { Prisma } from '@payouts/db';
import type { CoreDeps } from '../deps.ts';
import { NotFoundError } from '../errors.ts';
import { formatUsd, parseUsd } from '../money.ts';
import { csvExport } from './csv-export.ts';
import { batchPayoutRowsQuery, type PayoutStatus, payoutColumns } from './payout-rows.ts';

const statuses: readonly PayoutStatus[] = [
  'PENDING',
  'PROCESSING',
  'UNKNOWN',
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'REVERSED',
];

/** How many failed payments the summary names; the CSV has them all. */
const failuresShown = 100;

interface StatusTotal {
  count: number;
  amount: string;
}

/**
 * A batch's execution summary for finance: counts and exact amounts per status, what was paid, retries,
 * when it ran and for how long, and why payments failed.
 */
export async function getBatchReport(deps: CoreDeps, batchId: string) {
  const batch = await deps.db.paymentBatch.findUnique({ where: { id: batchId } });
  if (!batch) throw new NotFoundError('batch', batchId);
  const rows = await deps.db.sql<{ status: PayoutStatus; count: number; amount: string; retries: number }>(
    Prisma.sql`SELECT status::text AS status, count(*)::int AS count, sum(amount)::text AS amount,
        sum("retryCount")::int AS retries
      FROM "DisbursementTransaction" WHERE "batchId" = ${batchId} GROUP BY status`,
  );
  const byStatus = Object.fromEntries(statuses.map((s) => [s, { count: 0, amount: '0.00' }])) as Record<
    PayoutStatus,
    StatusTotal
  >;
  for (const row of rows) byStatus[row.status] = { count: row.count, amount: formatUsd(parseUsd(row.amount)) };
  const failures = await deps.db.disbursementTransaction.findMany({
    where: { batchId, status: 'FAILED' },
    orderBy: { transactionId: 'asc' },
    take: failuresShown,
    select: { transactionId: true, id: true, amount: true, errorMessage: true, failedAt: true },
  });
  const settled = byStatus.COMPLETED.count + byStatus.FAILED.count + byStatus.CANCELLED.count + byStatus.REVERSED.count;
  const finishedAt = batch.completedAt ?? batch.failedAt;
  return {
    id: batch.id,
    batchNumber: batch.batchNumber,
    status: batch.status,
    provider: batch.provider,
    currency: batch.currency,
    paymentCount: batch.paymentCount,
    totalAmount: batch.totalAmount.toFixed(2),
    createdBy: batch.createdBy,
    queuedBy: batch.queuedBy,
    createdAt: batch.createdAt,
    executedAt: batch.executedAt,
    finishedAt,
    durationMs: batch.executedAt && finishedAt ? finishedAt.getTime() - batch.executedAt.getTime() : null,
    errorMessage: batch.errorMessage,
    settled,
    paid: byStatus.COMPLETED,
    retries: rows.reduce((sum, r) => sum + r.retries, 0),
    byStatus,
    failures: failures.map((f) => ({ ...f, amount: f.amount.toFixed(2) })),
    failuresShown: Math.min(byStatus.FAILED.count, failuresShown),
  };
}

export type BatchReport = Awaited<ReturnType<typeof getBatchReport>>;

/** Every payment of the batch as CSV, by our reference; 404 for an unknown batch. */
export async function exportBatchPayouts(deps: CoreDeps, batchId: string): Promise<Readable> {
  const batch = await deps.db.paymentBatch.findUnique({ where: { id: batchId }, select: { id: true } });
  if (!batch) throw new NotFoundError('batch', batchId);
  return csvExport(await deps.db.stream(batchPayoutRowsQuery(batchId)), payoutColumns);
}
