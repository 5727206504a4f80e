import type { DisbursementProvider, PaymentBatchStatus } from '@payouts/db';
import type { CoreDeps } from '../deps.ts';
import { afterCursor, type Page, type PageRequest, toPage } from '../paging.ts';

export interface BatchSummary {
  id: string;
  batchNumber: string;
  status: PaymentBatchStatus;
  provider: DisbursementProvider;
  paymentCount: number;
  totalAmount: string;
  currency: string;
  createdBy: string | null;
  createdAt: Date;
  executedAt: Date | null;
  completedAt: Date | null;
  failedAt: Date | null;
}

/** Batches, newest first, optionally of one status; keyset paging. */
export async function listBatches(
  deps: CoreDeps,
  query: PageRequest & { status?: PaymentBatchStatus },
): Promise<Page<BatchSummary>> {
  const rows = await deps.db.paymentBatch.findMany({
    where: { ...(query.status ? { status: query.status } : {}), ...afterCursor(query.cursor) },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: query.limit + 1,
    select: {
      id: true,
      batchNumber: true,
      status: true,
      provider: true,
      paymentCount: true,
      totalAmount: true,
      currency: true,
      createdBy: true,
      createdAt: true,
      executedAt: true,
      completedAt: true,
      failedAt: true,
    },
  });
  const page = toPage(rows, query.limit);
  return { ...page, items: page.items.map((b) => ({ ...b, totalAmount: b.totalAmount.toFixed(2) })) };
}
