import type { CoreDeps } from '../deps.ts';
import { NotFoundError } from '../errors.ts';
import { countTransactionsByStatus } from './finalize-batch.ts';

/** A batch with its transactions, counts per status and progress; amounts as decimal strings. */
export async function getBatch(deps: CoreDeps, batchId: string) {
  const batch = await deps.db.paymentBatch.findUnique({
    where: { id: batchId },
    include: {
      transactions: {
        orderBy: { transactionId: 'asc' },
        select: {
          id: true,
          transactionId: true,
          commissionId: true,
          affiliateProfileId: true,
          payeeRiseId: true,
          amount: true,
          currency: true,
          status: true,
          providerTxId: true,
          retryCount: true,
          errorMessage: true,
          createdAt: true,
          completedAt: true,
          failedAt: true,
        },
      },
    },
  });
  if (!batch) throw new NotFoundError('batch', batchId);
  const counts = await countTransactionsByStatus(deps.db, batchId);
  const settled = counts.COMPLETED + counts.FAILED + counts.CANCELLED;
  return {
    id: batch.id,
    batchNumber: batch.batchNumber,
    status: batch.status,
    provider: batch.provider,
    currency: batch.currency,
    paymentCount: batch.paymentCount,
    totalAmount: batch.totalAmount.toFixed(2),
    createdBy: batch.createdBy,
    createdAt: batch.createdAt,
    scheduledAt: batch.scheduledAt,
    executedAt: batch.executedAt,
    completedAt: batch.completedAt,
    failedAt: batch.failedAt,
    errorMessage: batch.errorMessage,
    counts,
    progress: { settled, total: batch.paymentCount },
    transactions: batch.transactions.map((t) => ({ ...t, amount: t.amount.toFixed(2) })),
  };
}

export type BatchView = Awaited<ReturnType<typeof getBatch>>;
