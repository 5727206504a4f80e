import { type DisbursementProvider, type PaymentBatchStatus, Prisma } from '@payouts/db';
import type { CoreDeps } from '../deps.ts';
import { decodeCursor, type Page, type PageRequest, toPage } from '../paging.ts';

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

/**
 * Batches, newest first, optionally of one status; keyset paging. Plain SQL: dashboards poll this list,
 * and Prisma's per-row work was most of its cost.
 */
export async function listBatches(
  deps: CoreDeps,
  query: PageRequest & { status?: PaymentBatchStatus },
): Promise<Page<BatchSummary>> {
  const conditions: Prisma.Sql[] = [];
  if (query.status) conditions.push(Prisma.sql`"status" = ${query.status}::"PaymentBatchStatus"`);
  if (query.cursor) {
    const { createdAt, id } = decodeCursor(query.cursor);
    conditions.push(Prisma.sql`("createdAt", "id") < (${createdAt}::timestamp, ${id})`);
  }
  const where = conditions.length > 0 ? Prisma.sql`WHERE ${Prisma.join(conditions, ' AND ')}` : Prisma.empty;
  const rows = await deps.db.sql<BatchSummary>(Prisma.sql`
    SELECT "id", "batchNumber", "status", "provider", "paymentCount", "totalAmount", "currency", "createdBy",
           "createdAt", "executedAt", "completedAt", "failedAt"
    FROM "PaymentBatch" ${where}
    ORDER BY "createdAt" DESC, "id" DESC
    LIMIT ${query.limit + 1}`);
  return toPage(rows, query.limit);
}
