import type { DisbursementTransactionStatus } from '@payouts/db';
import { writeAudit } from '../audit.ts';
import type { Actor, CoreDeps } from '../deps.ts';

// What Postgres says is unfinished; the reconciler compares it with what Redis still holds.

export interface UnfinishedPayment {
  id: string;
  batchId: string;
  status: DisbursementTransactionStatus;
  idempotencyKey: string;
  /** How many times the reconciler has re-enqueued it (each audited as payment.requeued). */
  requeues: number;
}

/**
 * Payments of PROCESSING batches that still need a job: PENDING, UNKNOWN, or PROCESSING under a claim
 * older than the lease (its holder is presumed dead).
 */
export async function findUnfinishedPayments(
  deps: CoreDeps,
  options: { leaseMs: number; limit: number },
): Promise<UnfinishedPayment[]> {
  return deps.db.$queryRaw<UnfinishedPayment[]>`
    SELECT t."id", t."batchId", t."status", t."idempotencyKey",
           (SELECT count(*)::int FROM "DisbursementAuditLog" a
             WHERE a."transactionId" = t."id" AND a."action" = 'payment.requeued') AS "requeues"
    FROM "DisbursementTransaction" t
    JOIN "PaymentBatch" b ON b."id" = t."batchId" AND b."status" = 'PROCESSING'
    WHERE t."status" IN ('PENDING', 'UNKNOWN')
       OR (t."status" = 'PROCESSING' AND t."claimedAt" < now() - ${options.leaseMs} * interval '1 millisecond')
    ORDER BY t."createdAt", t."id"
    LIMIT ${options.limit}`;
}

/** Records that the reconciler gave a payment a new job (not a state change, but worth a trace). */
export async function recordRequeued(deps: CoreDeps, payment: UnfinishedPayment, jobId: string, who: Actor) {
  await writeAudit(deps.db, who, {
    action: 'payment.requeued',
    status: 'WARNING',
    batchId: payment.batchId,
    transactionId: payment.id,
    details: { jobId, status: payment.status },
  });
}

export async function findQueuedBatches(deps: CoreDeps): Promise<string[]> {
  const rows = await deps.db.paymentBatch.findMany({ where: { status: 'QUEUED' }, select: { id: true } });
  return rows.map((r) => r.id);
}

/** PROCESSING batches none of whose payments is still PENDING, PROCESSING or UNKNOWN: ready to finalize. */
export async function findSettledProcessingBatches(deps: CoreDeps): Promise<string[]> {
  const rows = await deps.db.$queryRaw<{ id: string }[]>`
    SELECT b."id" FROM "PaymentBatch" b
    WHERE b."status" = 'PROCESSING'
      AND NOT EXISTS (SELECT 1 FROM "DisbursementTransaction" t
                      WHERE t."batchId" = b."id" AND t."status" IN ('PENDING', 'PROCESSING', 'UNKNOWN'))`;
  return rows.map((r) => r.id);
}

/** FAILED payments: each must have its dead letter. */
export async function findFailedPayments(deps: CoreDeps, limit: number) {
  return deps.db.disbursementTransaction.findMany({
    where: { status: 'FAILED' },
    select: { id: true, failedAt: true, retryCount: true },
    orderBy: { failedAt: 'asc' },
    take: limit,
  });
}
