import type { DisbursementTransactionStatus, Prisma } from '@payouts/db';
import { writeAudit } from '../audit.ts';
import type { Actor, CoreDeps } from '../deps.ts';

/** A transaction as the payment protocol sees it after claiming it. */
export interface ClaimedTransaction {
  id: string;
  batchId: string;
  commissionId: string;
  affiliateProfileId: string;
  idempotencyKey: string;
  transactionId: string;
  payeeRiseId: string | null;
  amount: Prisma.Decimal;
  currency: string;
  claimedAt: Date;
  previous: DisbursementTransactionStatus;
}

export type ClaimResult =
  | { claimed: true; transaction: ClaimedTransaction }
  | { claimed: false; status: DisbursementTransactionStatus; leaseEndsAt?: Date };

/**
 * Takes the transaction for one payment attempt: PENDING|UNKNOWN -> PROCESSING, or a PROCESSING
 * claim older than the lease (its holder is presumed dead). The claim time doubles as a fencing
 * token: only the holder of this exact claim may settle the transaction afterwards.
 */
export async function claimTransaction(
  deps: CoreDeps,
  transactionId: string,
  leaseMs: number,
  who: Actor,
): Promise<ClaimResult> {
  return deps.db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<ClaimedTransaction[]>`
      WITH prev AS (
        SELECT "id", "status", "claimedAt" FROM "DisbursementTransaction" WHERE "id" = ${transactionId} FOR UPDATE
      )
      UPDATE "DisbursementTransaction" t
      SET "status" = 'PROCESSING', "claimedAt" = clock_timestamp(), "updatedAt" = now()
      FROM prev
      WHERE t."id" = prev."id"
        AND (prev."status" IN ('PENDING', 'UNKNOWN')
             OR (prev."status" = 'PROCESSING' AND prev."claimedAt" < clock_timestamp() - ${leaseMs} * interval '1 millisecond'))
      RETURNING t."id", t."batchId", t."commissionId", t."affiliateProfileId", t."idempotencyKey", t."transactionId",
                t."payeeRiseId", t."amount", t."currency", t."claimedAt", prev."status" AS "previous"`;
    const claimed = rows[0];
    if (claimed) {
      await writeAudit(tx, who, {
        action: claimed.previous === 'PROCESSING' ? 'payment.claim_taken_over' : 'payment.claimed',
        status: 'INFO',
        batchId: claimed.batchId,
        transactionId: claimed.id,
        fromStatus: claimed.previous,
        toStatus: 'PROCESSING',
      });
      return { claimed: true, transaction: claimed };
    }
    const current = await tx.disbursementTransaction.findUnique({
      where: { id: transactionId },
      select: { status: true, claimedAt: true },
    });
    if (!current) throw new Error(`transaction ${transactionId} does not exist`);
    const leaseEndsAt =
      current.status === 'PROCESSING' && current.claimedAt
        ? new Date(current.claimedAt.getTime() + leaseMs)
        : undefined;
    return { claimed: false, status: current.status, leaseEndsAt };
  });
}

/**
 * The one DB transaction that records a payment: transaction PROCESSING -> COMPLETED (for this claim
 * only), commission APPROVED -> PAID, the affiliate's totals, and their audit rows. Returns false when
 * the claim was taken over meanwhile; the new holder looks the payment up and records it.
 */
export async function recordPaymentCompleted(
  deps: CoreDeps,
  claim: ClaimedTransaction,
  providerTxId: string,
  who: Actor,
): Promise<boolean> {
  return deps.db.$transaction(async (tx) => {
    const done = await tx.disbursementTransaction.updateMany({
      where: { id: claim.id, status: 'PROCESSING', claimedAt: claim.claimedAt },
      data: { status: 'COMPLETED', providerTxId, completedAt: new Date(), errorMessage: null },
    });
    if (done.count === 0) return false;

    const paid = await tx.commission.updateMany({
      where: { id: claim.commissionId, status: 'APPROVED' },
      data: { status: 'PAID', paidAt: new Date() },
    });
    // Rolls the whole DB transaction back: PAID must mean exactly one COMPLETED transaction.
    if (paid.count !== 1) throw new Error(`commission ${claim.commissionId} was not APPROVED when paid`);

    await tx.affiliateProfile.update({
      where: { id: claim.affiliateProfileId },
      data: { paidCommissions: { increment: claim.amount }, pendingCommissions: { decrement: claim.amount } },
    });
    const amount = claim.amount.toFixed(2);
    await writeAudit(tx, who, {
      action: 'payment.completed',
      status: 'SUCCESS',
      batchId: claim.batchId,
      transactionId: claim.id,
      commissionId: claim.commissionId,
      fromStatus: 'PROCESSING',
      toStatus: 'COMPLETED',
      details: { amount, providerTxId, idempotencyKey: claim.idempotencyKey },
    });
    await writeAudit(tx, who, {
      action: 'commission.paid',
      status: 'SUCCESS',
      batchId: claim.batchId,
      transactionId: claim.id,
      commissionId: claim.commissionId,
      fromStatus: 'APPROVED',
      toStatus: 'PAID',
      details: { amount },
    });
    return true;
  });
}

type SettleTo = 'PENDING' | 'UNKNOWN' | 'FAILED';

const auditOf: Record<SettleTo, { action: string; status: 'WARNING' | 'FAILURE' }> = {
  PENDING: { action: 'payment.retry_scheduled', status: 'WARNING' },
  UNKNOWN: { action: 'payment.outcome_unknown', status: 'WARNING' },
  FAILED: { action: 'payment.failed', status: 'FAILURE' },
};

/**
 * Releases this claim after an attempt that did not complete: PENDING (nothing paid, retry),
 * UNKNOWN (the provider may have paid: look it up before paying again) or FAILED (give up).
 */
export async function releaseClaim(
  deps: CoreDeps,
  claim: ClaimedTransaction,
  to: SettleTo,
  errorMessage: string,
  who: Actor,
): Promise<boolean> {
  return deps.db.$transaction(async (tx) => {
    const now = new Date();
    const updated = await tx.disbursementTransaction.updateMany({
      where: { id: claim.id, status: 'PROCESSING', claimedAt: claim.claimedAt },
      data: {
        status: to,
        errorMessage: errorMessage.slice(0, 2000),
        ...(to === 'FAILED' ? { failedAt: now } : { retryCount: { increment: 1 }, lastRetryAt: now }),
      },
    });
    if (updated.count === 0) return false;
    await writeAudit(tx, who, {
      ...auditOf[to],
      batchId: claim.batchId,
      transactionId: claim.id,
      commissionId: claim.commissionId,
      fromStatus: 'PROCESSING',
      toStatus: to,
      details: { error: errorMessage.slice(0, 2000) },
    });
    return true;
  });
}
