import { type AuditLogStatus, Prisma } from '@payouts/db';
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

/** A column value in raw SQL: an expression over the statement's own rows (Prisma.sql`t."id"`) or a value. */
type SqlValue = Prisma.Sql | string;

/** One audit row as raw SQL, for a statement that writes its audit rows with its change. */
export interface AuditRowSql {
  action: SqlValue;
  status: AuditLogStatus;
  batchId?: SqlValue;
  transactionId?: SqlValue;
  commissionId?: SqlValue;
  fromStatus?: SqlValue;
  toStatus?: SqlValue;
  details?: Prisma.Sql;
}

/** The column list of a raw `INSERT INTO "DisbursementAuditLog"`, in the order `auditValues` fills it. */
export const auditColumns = Prisma.sql`("id", "action", "status", "batchId", "transactionId", "commissionId",
  "fromStatus", "toStatus", "details", "actor", "ipAddress", "userAgent")`;

/** The values for `auditColumns`: the row's fields (NULL where left out) and who made the change. */
export function auditValues(who: Actor, row: AuditRowSql): Prisma.Sql {
  const orNull = (value: SqlValue | undefined) => value ?? Prisma.sql`NULL`;
  return Prisma.sql`gen_random_uuid()::text, ${row.action}, ${row.status}::"AuditLogStatus",
    ${orNull(row.batchId)}, ${orNull(row.transactionId)}, ${orNull(row.commissionId)},
    ${orNull(row.fromStatus)}, ${orNull(row.toStatus)}, ${row.details ?? Prisma.sql`NULL::jsonb`},
    ${who.actor}, ${who.ipAddress ?? null}, ${who.userAgent ?? null}`;
}
