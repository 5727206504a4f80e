import { writeAudit } from '../audit.ts';
import type { Actor, CoreDeps } from '../deps.ts';
import { ConflictError, NotFoundError } from '../errors.ts';

/** What an operator needs to act on a payment that failed for good. */
export interface DeadLetter {
  transactionId: string;
  batchId: string;
  reference: string;
  payeeId: string | null;
  amount: string;
  error: string;
  attemptsMade: number;
  failedAt: string;
}

/** The dead letter of a FAILED transaction, or null when it is not FAILED (any more). */
export async function describeDeadLetter(
  deps: CoreDeps,
  transactionId: string,
  attemptsMade: number,
): Promise<DeadLetter | null> {
  const tx = await deps.db.disbursementTransaction.findUnique({ where: { id: transactionId } });
  if (tx?.status !== 'FAILED' || !tx.failedAt) return null;
  return {
    transactionId: tx.id,
    batchId: tx.batchId,
    reference: tx.transactionId,
    payeeId: tx.payeeRiseId,
    amount: tx.amount.toFixed(2),
    error: tx.errorMessage ?? 'unknown error',
    attemptsMade,
    failedAt: tx.failedAt.toISOString(),
  };
}

export interface Replay {
  transactionId: string;
  batchId: string;
  /** 1 for the first replay of this transaction: job ids of the new attempt derive from it. */
  round: number;
}

/**
 * Gives a FAILED payment another go: transaction FAILED -> PENDING with a new idempotency key (the
 * provider confirmed the old one moved no money: FAILED is only ever set then), and its batch back to
 * PROCESSING when it had FAILED, each with its audit row. The caller enqueues the new attempt.
 */
export async function replayTransaction(deps: CoreDeps, transactionId: string, who: Actor): Promise<Replay> {
  return deps.db.$transaction(async (tx) => {
    // Compare-and-set FAILED -> PENDING; the round is counted in the same statement, and the new key
    // derives from it.
    const [replayed] = await tx.$queryRaw<
      { batchId: string; commissionId: string; round: number; previousKey: string; idempotencyKey: string }[]
    >`
      UPDATE "DisbursementTransaction" t
      SET "status" = 'PENDING', "replayRound" = t."replayRound" + 1,
          "idempotencyKey" = 'pay_' || t."id" || '_r' || (t."replayRound" + 1),
          "errorMessage" = NULL, "failedAt" = NULL, "claimedAt" = NULL, "updatedAt" = now()
      FROM (SELECT "id", "idempotencyKey" FROM "DisbursementTransaction" WHERE "id" = ${transactionId} FOR UPDATE) prev
      WHERE t."id" = prev."id" AND t."status" = 'FAILED' AND t."incident" IS NULL
      RETURNING t."batchId", t."commissionId", t."replayRound" AS "round", prev."idempotencyKey" AS "previousKey",
                t."idempotencyKey"`;
    if (!replayed) {
      const current = await tx.disbursementTransaction.findUnique({
        where: { id: transactionId },
        select: { status: true, incident: true },
      });
      if (!current) throw new NotFoundError('transaction', transactionId);
      if (current.incident) throw incidentConflict(transactionId, current.incident);
      throw new ConflictError(
        `transaction ${transactionId} is ${current.status}; only FAILED payments can be replayed`,
        { reason: 'NOT_FAILED', status: current.status },
      );
    }
    const { batchId, commissionId, round, previousKey, idempotencyKey } = replayed;
    await writeAudit(tx, who, {
      action: 'payment.replayed',
      status: 'INFO',
      batchId,
      transactionId,
      commissionId,
      fromStatus: 'FAILED',
      toStatus: 'PENDING',
      details: { round, previousIdempotencyKey: previousKey, idempotencyKey },
    });
    const reopened = await tx.paymentBatch.updateMany({
      where: { id: batchId, status: 'FAILED' },
      data: { status: 'PROCESSING', failedAt: null, errorMessage: null },
    });
    if (reopened.count === 1) {
      await writeAudit(tx, who, {
        action: 'batch.reopened',
        status: 'INFO',
        batchId,
        fromStatus: 'FAILED',
        toStatus: 'PROCESSING',
        details: { replayedTransactionId: transactionId },
      });
    }
    return { transactionId, batchId, round };
  });
}

/**
 * Gives up on a FAILED payment: transaction FAILED -> CANCELLED, releasing its commission for a later
 * batch, audited. The batch keeps its status: it did fail to pay this one.
 */
export async function discardTransaction(deps: CoreDeps, transactionId: string, who: Actor) {
  return deps.db.$transaction(async (tx) => {
    const current = await tx.disbursementTransaction.findUnique({
      where: { id: transactionId },
      select: { status: true, batchId: true, commissionId: true, amount: true, incident: true },
    });
    if (!current) throw new NotFoundError('transaction', transactionId);
    if (current.incident) throw incidentConflict(transactionId, current.incident);
    const updated = await tx.disbursementTransaction.updateMany({
      where: { id: transactionId, status: 'FAILED', incident: null },
      data: { status: 'CANCELLED', liveCommissionId: null },
    });
    if (updated.count === 0) {
      throw new ConflictError(
        `transaction ${transactionId} is ${current.status}; only FAILED payments can be discarded`,
        {
          reason: 'NOT_FAILED',
          status: current.status,
        },
      );
    }
    await writeAudit(tx, who, {
      action: 'payment.discarded',
      status: 'WARNING',
      batchId: current.batchId,
      transactionId,
      commissionId: current.commissionId,
      fromStatus: 'FAILED',
      toStatus: 'CANCELLED',
      details: { amount: current.amount.toFixed(2), commissionReleased: true },
    });
    return { transactionId, batchId: current.batchId };
  });
}

/** Replaying or discarding a payment the provider holds twice would pay its commission again. */
function incidentConflict(transactionId: string, incident: string): ConflictError {
  return new ConflictError(
    `transaction ${transactionId} is a provider incident (${incident}): settle it with the provider first`,
    { reason: 'PROVIDER_INCIDENT', incident },
  );
}
