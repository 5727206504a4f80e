import type { AuditLogStatus, Prisma } from '@payouts/db';
import type { Actor } from './deps.ts';

/** A Prisma client or an interactive transaction: audit rows are written inside the caller's transaction. */
type Tx = Prisma.TransactionClient;

export interface AuditEntry {
  action: string;
  status: AuditLogStatus;
  batchId?: string | null;
  transactionId?: string | null;
  commissionId?: string | null;
  fromStatus?: string | null;
  toStatus?: string | null;
  details?: Prisma.InputJsonValue;
}

export async function writeAudit(tx: Tx, who: Actor, entry: AuditEntry): Promise<void> {
  await tx.disbursementAuditLog.create({
    data: {
      action: entry.action,
      status: entry.status,
      batchId: entry.batchId ?? null,
      transactionId: entry.transactionId ?? null,
      commissionId: entry.commissionId ?? null,
      fromStatus: entry.fromStatus ?? null,
      toStatus: entry.toStatus ?? null,
      details: entry.details,
      actor: who.actor,
      ipAddress: who.ipAddress ?? null,
      userAgent: who.userAgent ?? null,
    },
  });
}
