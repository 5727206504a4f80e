import { Prisma } from '@payouts/db';
import { auditColumns, auditValues, writeAudit } from '../audit.ts';
import type { Actor, CoreDeps } from '../deps.ts';
import { ConflictError, NotFoundError } from '../errors.ts';

export interface CancelledBatch {
  batchId: string;
  cancelledTransactions: number;
}

/**
 * Cancels a PENDING or QUEUED batch and releases its commissions for a later batch: the batch and
 * each live transaction go to CANCELLED (liveCommissionId cleared) with their audit rows, in one DB
 * transaction. A batch that is executing or done is a conflict; the rows stay for the record.
 */
export async function cancelBatch(deps: CoreDeps, batchId: string, who: Actor): Promise<CancelledBatch> {
  return deps.db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ previous: string }[]>`
      WITH prev AS (SELECT "id", "status" FROM "PaymentBatch" WHERE "id" = ${batchId} FOR UPDATE)
      UPDATE "PaymentBatch" b SET "status" = 'CANCELLED', "updatedAt" = now()
      FROM prev WHERE b."id" = prev."id" AND prev."status" IN ('PENDING', 'QUEUED')
      RETURNING prev."status"::text AS "previous"`;
    const previous = rows[0]?.previous;
    if (!previous) {
      const batch = await tx.paymentBatch.findUnique({ where: { id: batchId }, select: { status: true } });
      if (!batch) throw new NotFoundError('batch', batchId);
      throw new ConflictError(`batch ${batchId} is ${batch.status}; only PENDING or QUEUED batches can be cancelled`, {
        reason: 'BATCH_NOT_CANCELLABLE',
        status: batch.status,
      });
    }

    // Nothing of a PENDING or QUEUED batch has been claimed, so every transaction is PENDING.
    const cancelled = await tx.$executeRaw`
      WITH cancelled AS (
        UPDATE "DisbursementTransaction"
        SET "status" = 'CANCELLED', "liveCommissionId" = NULL, "updatedAt" = now()
        WHERE "batchId" = ${batchId} AND "status" = 'PENDING'
        RETURNING "id", "commissionId", "amount"
      )
      INSERT INTO "DisbursementAuditLog" ${auditColumns}
      SELECT ${auditValues(who, {
        action: 'transaction.cancelled',
        status: 'INFO',
        batchId,
        transactionId: Prisma.sql`c."id"`,
        commissionId: Prisma.sql`c."commissionId"`,
        fromStatus: 'PENDING',
        toStatus: 'CANCELLED',
        details: Prisma.sql`jsonb_build_object('amount', c."amount"::text, 'commissionReleased', true)`,
      })}
      FROM cancelled c`;
    await writeAudit(tx, who, {
      action: 'batch.cancelled',
      status: 'INFO',
      batchId,
      fromStatus: previous,
      toStatus: 'CANCELLED',
      details: { cancelledTransactions: cancelled },
    });
    return { batchId, cancelledTransactions: cancelled };
  });
}
