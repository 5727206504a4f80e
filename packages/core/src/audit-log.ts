import type { Prisma } from '@payouts/db';
import type { CoreDeps } from './deps.ts';
import { afterCursor, type Page, type PageRequest, toPage } from './paging.ts';

export interface AuditLogQuery extends PageRequest {
  batchId?: string;
  transactionId?: string;
  commissionId?: string;
  action?: string;
  actor?: string;
  from?: Date;
  to?: Date;
}

/** The audit trail, newest first, filtered by any of batch, transaction, commission, action, actor and time. */
export async function listAuditLogs(deps: CoreDeps, query: AuditLogQuery): Promise<Page<AuditLogView>> {
  const where: Prisma.DisbursementAuditLogWhereInput = {
    AND: [
      query.batchId ? { batchId: query.batchId } : {},
      query.transactionId ? { transactionId: query.transactionId } : {},
      query.commissionId ? { commissionId: query.commissionId } : {},
      query.action ? { action: query.action } : {},
      query.actor ? { actor: query.actor } : {},
      query.from || query.to ? { createdAt: { gte: query.from, lt: query.to } } : {},
      afterCursor(query.cursor),
    ],
  };
  const rows = await deps.db.disbursementAuditLog.findMany({
    where,
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: query.limit + 1,
  });
  return toPage(rows, query.limit);
}

export type AuditLogView = Prisma.DisbursementAuditLogGetPayload<object>;
