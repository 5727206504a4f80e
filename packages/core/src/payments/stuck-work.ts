import { type DisbursementTransactionStatus, Prisma } from '@payouts/db';
import { auditColumns, auditValues } from '../audit.ts';
import type { Actor, CoreDeps } from '../deps.ts';

// What Postgres says is unfinished; the reconciler compares it with what Redis still holds.

export interface UnfinishedPayment {
  id: string;
  batchId: string;
  status: DisbursementTransactionStatus;
  /** 0 for the first execution; n after the n-th replay from the dead letters. */
  replayRound: number;
  /** How many times the reconciler has re-enqueued it (each audited as payment.requeued). */
  requeueCount: number;
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
    SELECT t."id", t."batchId", t."status", t."replayRound", t."requeueCount"
    FROM "DisbursementTransaction" t
    JOIN "PaymentBatch" b ON b."id" = t."batchId" AND b."status" = 'PROCESSING'
    WHERE t."status" IN ('PENDING', 'UNKNOWN')
       OR (t."status" = 'PROCESSING' AND t."claimedAt" < now() - ${options.leaseMs} * interval '1 millisecond')
    ORDER BY t."createdAt", t."id"
    LIMIT ${options.limit}`;
}

/**
 * Records that the reconciler gave payments new jobs: each one's requeue count goes up by one, with a
 * payment.requeued audit row naming the job, in one statement for all of them.
 */
export async function recordRequeued(
  deps: CoreDeps,
  requeued: readonly { payment: UnfinishedPayment; jobId: string }[],
  who: Actor,
): Promise<void> {
  if (requeued.length === 0) return;
  const ids = requeued.map((r) => r.payment.id);
  const jobIds = requeued.map((r) => r.jobId);
  await deps.db.$executeRaw`
    WITH input AS (
      SELECT * FROM unnest(${ids}::text[], ${jobIds}::text[]) AS i("id", "jobId")
    ), bumped AS (
      UPDATE "DisbursementTransaction" t SET "requeueCount" = t."requeueCount" + 1
      FROM input WHERE t."id" = input."id"
      RETURNING t."id", t."batchId", t."status", input."jobId"
    )
    INSERT INTO "DisbursementAuditLog" ${auditColumns}
    SELECT ${auditValues(who, {
      action: 'payment.requeued',
      status: 'WARNING',
      batchId: Prisma.sql`b."batchId"`,
      transactionId: Prisma.sql`b."id"`,
      details: Prisma.sql`jsonb_build_object('jobId', b."jobId", 'status', b."status"::text)`,
    })}
    FROM bumped b`;
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
