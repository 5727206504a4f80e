import { type PaymentBatchStatus, Prisma } from '@payouts/db';
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
      data: { status: 'QUEUED', scheduledAt: new Date(), queuedBy: who.actor },
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

type NotStarted = { started: false; status: PaymentBatchStatus | 'MISSING' };

export type StartExecutionResult = { started: true; transactionIds: string[]; actor: string } | NotStarted;

/**
 * Moves a batch QUEUED -> PROCESSING (compare-and-set, audited as batch.executed) and returns the
 * transactions still to pay. Only QUEUED: that state is the recorded decision (who queued it, through
 * the API or the nightly run); a job asking to execute a PENDING batch is not one. The execution is
 * audited as the actor who queued the batch, whatever the job says. A batch already PROCESSING is
 * resumed rather than refused: the job that set it may have died before adding its flow, and job ids
 * make the re-add harmless.
 */
export async function startBatchExecution(deps: CoreDeps, batchId: string): Promise<StartExecutionResult> {
  const started = await deps.db.$transaction(
    async (tx): Promise<Omit<StartExecutionResult & { started: true }, 'transactionIds'> | NotStarted> => {
      const rows = await tx.$queryRaw<{ queuedBy: string | null }[]>`
      UPDATE "PaymentBatch" SET "status" = 'PROCESSING', "executedAt" = now(), "updatedAt" = now()
      WHERE "id" = ${batchId} AND "status" = 'QUEUED'
      RETURNING "queuedBy"`;
      const batch = await tx.paymentBatch.findUnique({
        where: { id: batchId },
        select: { status: true, queuedBy: true },
      });
      if (!batch) return { started: false, status: 'MISSING' };
      const actor = batch.queuedBy ?? 'unknown';
      if (rows.length === 1) {
        await writeAudit(
          tx,
          { actor },
          {
            action: 'batch.executed',
            status: 'SUCCESS',
            batchId,
            fromStatus: 'QUEUED',
            toStatus: 'PROCESSING',
          },
        );
      } else if (batch.status !== 'PROCESSING') {
        return { started: false, status: batch.status };
      }
      return { started: true, actor };
    },
  );
  if (!started.started) return started;
  // Read after the change, as plain ids: a batch of 100,000 payments must not cost 100,000 Prisma objects.
  const unsettled = await deps.db.sql<{ id: string }>(Prisma.sql`
    SELECT "id" FROM "DisbursementTransaction"
    WHERE "batchId" = ${batchId} AND "status" IN ('PENDING', 'PROCESSING', 'UNKNOWN')
    ORDER BY "transactionId"`);
  return { ...started, transactionIds: unsettled.map((t) => t.id) };
}
