import type { PaymentBatchStatus } from '@payouts/db';
import { writeAudit } from '../audit.ts';
import type { Actor, CoreDeps } from '../deps.ts';
import { ConflictError, NotFoundError } from '../errors.ts';

/**
 * Marks a batch QUEUED for execution (PENDING -> QUEUED, compare-and-set). A batch already QUEUED
 * is accepted again so that repeated requests converge on the one execute job; anything else is a
 * conflict.
 */
export async function queueBatchExecution(deps: CoreDeps, batchId: string, who: Actor): Promise<{ status: 'QUEUED' }> {
  return deps.db.$transaction(async (tx) => {
    const updated = await tx.paymentBatch.updateMany({
      where: { id: batchId, status: 'PENDING' },
      data: { status: 'QUEUED', scheduledAt: new Date() },
    });
    if (updated.count === 1) {
      await writeAudit(tx, who, {
        action: 'batch.queued',
        status: 'INFO',
        batchId,
        fromStatus: 'PENDING',
        toStatus: 'QUEUED',
      });
      return { status: 'QUEUED' };
    }
    const batch = await tx.paymentBatch.findUnique({ where: { id: batchId }, select: { status: true } });
    if (!batch) throw new NotFoundError('batch', batchId);
    if (batch.status === 'QUEUED') return { status: 'QUEUED' };
    throw new ConflictError(`batch ${batchId} is ${batch.status} and cannot be executed`, {
      reason: 'BATCH_NOT_EXECUTABLE',
      status: batch.status,
    });
  });
}

export type StartExecutionResult =
  | { started: true; transactionIds: string[] }
  | { started: false; status: PaymentBatchStatus };

/**
 * Moves a batch PENDING|QUEUED -> PROCESSING (compare-and-set, audited as batch.executed) and returns
 * the transactions still to pay. A batch already PROCESSING is resumed rather than refused: the job
 * that set it may have died before adding its flow, and job ids make the re-add harmless.
 */
export async function startBatchExecution(deps: CoreDeps, batchId: string, who: Actor): Promise<StartExecutionResult> {
  return deps.db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ previous: PaymentBatchStatus }[]>`
      WITH prev AS (SELECT "id", "status" FROM "PaymentBatch" WHERE "id" = ${batchId} FOR UPDATE)
      UPDATE "PaymentBatch" b SET "status" = 'PROCESSING', "executedAt" = now(), "updatedAt" = now()
      FROM prev WHERE b."id" = prev."id" AND prev."status" IN ('PENDING', 'QUEUED')
      RETURNING prev."status" AS "previous"`;
    const previous = rows[0]?.previous;
    if (previous) {
      await writeAudit(tx, who, {
        action: 'batch.executed',
        status: 'SUCCESS',
        batchId,
        fromStatus: previous,
        toStatus: 'PROCESSING',
      });
    } else {
      const batch = await tx.paymentBatch.findUnique({ where: { id: batchId }, select: { status: true } });
      if (!batch) throw new NotFoundError('batch', batchId);
      if (batch.status !== 'PROCESSING') return { started: false, status: batch.status };
    }
    const unsettled = await tx.disbursementTransaction.findMany({
      where: { batchId, status: { in: ['PENDING', 'PROCESSING', 'UNKNOWN'] } },
      select: { id: true },
      orderBy: { transactionId: 'asc' },
    });
    return { started: true, transactionIds: unsettled.map((t) => t.id) };
  });
}
