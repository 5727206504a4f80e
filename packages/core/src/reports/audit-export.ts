import type { Readable } from 'node:stream';
import { Prisma } from '@payouts/db';
import type { AuditLogQuery } from '../audit-log.ts';
import type { CoreDeps } from '../deps.ts';
import { csvExport } from './csv-export.ts';

interface AuditRow {
  id: string;
  createdAt: Date;
  action: string;
  status: string;
  actor: string | null;
  batchId: string | null;
  transactionId: string | null;
  commissionId: string | null;
  fromStatus: string | null;
  toStatus: string | null;
  ipAddress: string | null;
  userAgent: string | null;
  details: string | null;
}

const auditColumns = [
  { key: 'id', header: 'id' },
  { key: 'createdAt', header: 'created_at' },
  { key: 'action', header: 'action' },
  { key: 'status', header: 'status' },
  { key: 'actor', header: 'actor' },
  { key: 'batchId', header: 'batch_id' },
  { key: 'transactionId', header: 'transaction_id' },
  { key: 'commissionId', header: 'commission_id' },
  { key: 'fromStatus', header: 'from_status' },
  { key: 'toStatus', header: 'to_status' },
  { key: 'ipAddress', header: 'ip_address' },
  { key: 'userAgent', header: 'user_agent' },
  { key: 'details', header: 'details' },
] as const satisfies readonly { key: keyof AuditRow; header: string }[];

/** The audit trail as CSV, newest first, with GET /audit-logs' filters (no paging); details as JSON text. */
export async function exportAuditLogs(
  deps: CoreDeps,
  query: Omit<AuditLogQuery, 'limit' | 'cursor'>,
): Promise<Readable> {
  const conditions: Prisma.Sql[] = [Prisma.sql`TRUE`];
  if (query.batchId) conditions.push(Prisma.sql`"batchId" = ${query.batchId}`);
  if (query.transactionId) conditions.push(Prisma.sql`"transactionId" = ${query.transactionId}`);
  if (query.commissionId) conditions.push(Prisma.sql`"commissionId" = ${query.commissionId}`);
  if (query.action) conditions.push(Prisma.sql`action = ${query.action}`);
  if (query.actor) conditions.push(Prisma.sql`actor = ${query.actor}`);
  if (query.from) conditions.push(Prisma.sql`"createdAt" >= ${query.from}`);
  if (query.to) conditions.push(Prisma.sql`"createdAt" < ${query.to}`);
  const rows = await deps.db.stream(
    Prisma.sql`SELECT id, "createdAt", action, status::text AS status, actor, "batchId", "transactionId",
        "commissionId", "fromStatus", "toStatus", "ipAddress", "userAgent", details::text AS details
      FROM "DisbursementAuditLog" WHERE ${Prisma.join(conditions, ' AND ')}
      ORDER BY "createdAt" DESC, id DESC`,
  );
  return csvExport<AuditRow>(rows, auditColumns);
}
