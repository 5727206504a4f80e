import { randomBytes } from 'node:crypto';
import { type DisbursementProvider, Prisma } from '@payouts/db';
import { auditColumns, auditValues } from '../audit.ts';
import { completeJobRequest } from '../authority/job-requests.ts';
import type { Actor, CoreDeps } from '../deps.ts';
import { ConflictError } from '../errors.ts';
import { computePlanHash, type PayableFilter, selectPayableCommissions } from '../payables/payable-commissions.ts';

const batchCreationLockKey = 72_707_370;

export interface CreateBatchesInput extends PayableFilter {
  provider: DisbursementProvider;
  maxBatchSize: number;
  /** From a preview: refuse (PLAN_CHANGED) unless exactly the previewed commissions would be paid. */
  planHash?: string;
  /**
   * The recorded request this creation carries out: completed with the result in the same DB
   * transaction, so a request makes batches once however often its job runs (REQUEST_DONE after).
   */
  requestId?: string;
}

export interface CreatedBatch {
  id: string;
  batchNumber: string;
  paymentCount: number;
  totalAmount: string;
}

export type CreateBatchesResult =
  | { status: 'CREATED'; batches: CreatedBatch[]; planHash: string }
  | { status: 'NO_PAYABLE_AFFILIATES'; batches: []; planHash: string };

/**
 * Writes one batch per MAX_BATCH_SIZE payable commissions, with one transaction per commission,
 * all in one DB transaction: a failure or a changed plan leaves nothing behind. Amounts never leave
 * Postgres on the way from commission to transaction to batch total.
 */
export async function createBatches(
  deps: CoreDeps,
  input: CreateBatchesInput,
  who: Actor,
): Promise<CreateBatchesResult> {
  return deps.db.$transaction(
    async (tx) => {
      // Creations take turns: each sees what the previous one committed, so an affiliate's commissions
      // are never split between two racing creations (and the unique liveCommissionId backs this up).
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${batchCreationLockKey})`;
      const payable = await selectPayableCommissions(tx, input, { lock: true });
      const planHash = computePlanHash(payable);
      if (input.planHash !== undefined && input.planHash !== planHash) {
        throw new ConflictError('what would be paid has changed since the preview; preview again', {
          reason: 'PLAN_CHANGED',
          planHash,
        });
      }
      const batches: CreatedBatch[] = [];
      for (const chunk of splitIntoChunks(payable, input.maxBatchSize)) {
        const ids = chunk.map((c) => c.commissionId);
        batches.push(await writeBatch(tx, ids, input.provider, who));
      }
      const result: CreateBatchesResult =
        batches.length === 0
          ? { status: 'NO_PAYABLE_AFFILIATES', batches: [], planHash }
          : { status: 'CREATED', batches, planHash };
      if (input.requestId !== undefined && !(await completeJobRequest(tx, input.requestId, asJson(result)))) {
        throw new ConflictError(`request ${input.requestId} was carried out already`, { reason: 'REQUEST_DONE' });
      }
      return result;
    },
    { timeout: 120_000, maxWait: 10_000 },
  );
}

/** A plain data result as a JSON column value (its fields are strings, numbers and arrays of them). */
function asJson(result: CreateBatchesResult): Prisma.InputJsonObject {
  return JSON.parse(JSON.stringify(result)) as Prisma.InputJsonObject;
}

export function splitIntoChunks<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`chunk size must be a positive integer, got ${size}`);
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

function makeBatchNumber(now: Date): string {
  const day = now.toISOString().slice(0, 10).replaceAll('-', '');
  return `PB-${day}-${randomBytes(4).toString('hex').toUpperCase()}`;
}

async function writeBatch(
  tx: Prisma.TransactionClient,
  commissionIds: string[],
  provider: DisbursementProvider,
  who: Actor,
): Promise<CreatedBatch> {
  const batch = await tx.paymentBatch.create({
    data: { batchNumber: makeBatchNumber(new Date()), provider, status: 'PENDING', createdBy: who.actor },
    select: { id: true, batchNumber: true },
  });

  // One statement for all transactions. The idempotency key derives from the transaction's own id,
  // so it is stable across retries, restarts and replays of this payment.
  await tx.$executeRaw`
    WITH n AS (
      SELECT gen_random_uuid()::text AS "id", input."commissionId", input."position"
      FROM unnest(${commissionIds}::text[]) WITH ORDINALITY AS input("commissionId", "position")
    )
    INSERT INTO "DisbursementTransaction" (
      "id", "batchId", "commissionId", "liveCommissionId", "affiliateProfileId", "transactionId",
      "idempotencyKey", "provider", "affiliateRiseAccountId", "payeeRiseId", "amount", "amountRiseUnits",
      "currency", "status")
    SELECT n."id", ${batch.id}, c."id", c."id", c."affiliateProfileId",
           ${batch.batchNumber} || '-' || lpad(n."position"::text, greatest(5, length(n."position"::text)), '0'),
           'pay_' || n."id", ${provider}::"DisbursementProvider", a."id", a."riseId", c."commissionAmount",
           CASE WHEN ${provider} = 'RISE' THEN (c."commissionAmount" * 1000000)::bigint END,
           'USD', 'PENDING'
    FROM n
    JOIN "Commission" c ON c."id" = n."commissionId"
    LEFT JOIN "AffiliateRiseAccount" a ON a."affiliateProfileId" = c."affiliateProfileId"`;

  // The batch's count and total are what was written, not what was planned.
  const [written] = await tx.$queryRaw<{ paymentCount: number; totalAmount: Prisma.Decimal }[]>`
    UPDATE "PaymentBatch" b
    SET "paymentCount" = s."count", "totalAmount" = s."total", "updatedAt" = now()
    FROM (SELECT count(*)::int AS "count", coalesce(sum("amount"), 0) AS "total"
          FROM "DisbursementTransaction" WHERE "batchId" = ${batch.id}) s
    WHERE b."id" = ${batch.id}
    RETURNING b."paymentCount", b."totalAmount"`;
  if (!written || written.paymentCount !== commissionIds.length) {
    throw new Error(
      `batch ${batch.batchNumber}: wrote ${written?.paymentCount} of ${commissionIds.length} transactions`,
    );
  }

  await tx.$executeRaw`
    INSERT INTO "DisbursementAuditLog" ${auditColumns}
    SELECT ${auditValues(who, {
      action: 'transaction.created',
      status: 'INFO',
      batchId: Prisma.sql`t."batchId"`,
      transactionId: Prisma.sql`t."id"`,
      commissionId: Prisma.sql`t."commissionId"`,
      toStatus: 'PENDING',
      details: Prisma.sql`jsonb_build_object('amount', t."amount"::text)`,
    })}
    FROM "DisbursementTransaction" t WHERE t."batchId" = ${batch.id}
    UNION ALL
    SELECT ${auditValues(who, {
      action: 'batch.created',
      status: 'SUCCESS',
      batchId: batch.id,
      toStatus: 'PENDING',
      details: Prisma.sql`jsonb_build_object('batchNumber', ${batch.batchNumber}::text,
                                             'paymentCount', ${written.paymentCount}::int,
                                             'totalAmount', ${written.totalAmount}::numeric::text)`,
    })}`;

  return {
    id: batch.id,
    batchNumber: batch.batchNumber,
    paymentCount: written.paymentCount,
    totalAmount: written.totalAmount.toFixed(2),
  };
}
