import type { DisbursementTransactionStatus, Prisma } from '@payouts/db';
import { writeAudit } from '../audit.ts';
import type { Actor, CoreDeps } from '../deps.ts';
import { NotFoundError } from '../errors.ts';

export type StatusCounts = Record<DisbursementTransactionStatus, number>;

export type FinalizeResult =
  | { outcome: 'FINALIZED'; status: 'COMPLETED' | 'FAILED'; counts: StatusCounts }
  | { outcome: 'UNSETTLED'; counts: StatusCounts }
  | { outcome: 'NOT_PROCESSING'; status: string; counts: StatusCounts };

const emptyCounts = (): StatusCounts => ({
  PENDING: 0,
  PROCESSING: 0,
  UNKNOWN: 0,
  COMPLETED: 0,
  FAILED: 0,
  CANCELLED: 0,
  REVERSED: 0,
});

export async function countTransactionsByStatus(db: Prisma.TransactionClient, batchId: string): Promise<StatusCounts> {
  const groups = await db.disbursementTransaction.groupBy({
    by: ['status'],
    where: { batchId },
    _count: { _all: true },
  });
  const counts = emptyCounts();
  for (const group of groups) counts[group.status] = group._count._all;
  return counts;
}

/**
 * Settles a PROCESSING batch once none of its transactions is PENDING, PROCESSING or UNKNOWN:
 * COMPLETED when none FAILED, else FAILED with a summary. Compare-and-set, audited.
 */
export async function finalizeBatch(deps: CoreDeps, batchId: string, who: Actor): Promise<FinalizeResult> {
  return deps.db.$transaction(async (tx) => {
    // Lock the batch so the counts cannot change under a concurrent replay while we decide.
    const locked = await tx.$queryRaw<{ status: string }[]>`
      SELECT "status" FROM "PaymentBatch" WHERE "id" = ${batchId} FOR UPDATE`;
    const batch = locked[0];
    if (!batch) throw new NotFoundError('batch', batchId);
    const counts = await countTransactionsByStatus(tx, batchId);
    if (batch.status !== 'PROCESSING') return { outcome: 'NOT_PROCESSING', status: batch.status, counts };
    if (counts.PENDING + counts.PROCESSING + counts.UNKNOWN > 0) return { outcome: 'UNSETTLED', counts };

    const status = counts.FAILED > 0 ? 'FAILED' : 'COMPLETED';
    const now = new Date();
    await tx.paymentBatch.update({
      where: { id: batchId, status: 'PROCESSING' },
      data:
        status === 'COMPLETED'
          ? { status, completedAt: now, errorMessage: null }
          : { status, failedAt: now, errorMessage: `${counts.FAILED} of ${sumCounts(counts)} payments failed` },
    });
    await writeAudit(tx, who, {
      action: status === 'COMPLETED' ? 'batch.completed' : 'batch.failed',
      status: status === 'COMPLETED' ? 'SUCCESS' : 'FAILURE',
      batchId,
      fromStatus: 'PROCESSING',
      toStatus: status,
      details: { counts },
    });
    return { outcome: 'FINALIZED', status, counts };
  });
}

function sumCounts(counts: StatusCounts): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}
