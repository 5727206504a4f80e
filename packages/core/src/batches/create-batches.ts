import { randomBytes } from 'node:crypto';
import { type DisbursementProvider, Prisma } from '@payouts/db';
import type { Actor, CoreDeps } from '../deps.ts';

export interface CreateBatchesInput {
  /** Only these affiliates; all payable affiliates when absent. */
  affiliateIds?: readonly string[];
  provider: DisbursementProvider;
  /** Minimum an affiliate's payable total must reach, as a decimal string ("50.00"). */
  minPayout: string;
  maxBatchSize: number;
}

export interface CreatedBatch {
  id: string;
  batchNumber: string;
  paymentCount: number;
  totalAmount: string;
}

export type CreateBatchesResult =
  | { status: 'CREATED'; batches: CreatedBatch[] }
  | { status: 'NO_PAYABLE_AFFILIATES'; batches: [] };

interface PayableCommission {
  id: string;
  affiliateProfileId: string;
}

/**
 * Writes one batch per MAX_BATCH_SIZE payable commissions, with one transaction per commission,
 * all in one DB transaction: a failure leaves nothing behind. Amounts never leave Postgres on the
 * way from commission to transaction to batch total.
 */
export async function createBatches(
  deps: CoreDeps,
  input: CreateBatchesInput,
  who: Actor,
): Promise<CreateBatchesResult> {
  const minPayout = new Prisma.Decimal(input.minPayout);
  return deps.db.$transaction(
    async (tx) => {
      const payable = await lockPayableCommissions(tx, minPayout, input.affiliateIds);
      if (payable.length === 0) return { status: 'NO_PAYABLE_AFFILIATES', batches: [] };

      const batches: CreatedBatch[] = [];
      for (const chunk of splitIntoChunks(payable, input.maxBatchSize)) {
        batches.push(
          await writeBatch(
            tx,
            chunk.map((c) => c.id),
            input.provider,
            who,
          ),
        );
      }
      return { status: 'CREATED', batches };
    },
    { timeout: 120_000, maxWait: 10_000 },
  );
}

/**
 * APPROVED commissions in no live transaction, of affiliates with an APPROVED payout account whose
 * total reaches the minimum. Rows are locked (SKIP LOCKED) so a concurrent creation passes over them;
 * the unique liveCommissionId is the backstop that rejects a second live transaction outright.
 */
async function lockPayableCommissions(
  tx: Prisma.TransactionClient,
  minPayout: Prisma.Decimal,
  affiliateIds: readonly string[] | undefined,
): Promise<PayableCommission[]> {
  const onlyAffiliates = affiliateIds
    ? Prisma.sql`AND c."affiliateProfileId" = ANY(${[...affiliateIds]}::text[])`
    : Prisma.empty;
  return tx.$queryRaw<PayableCommission[]>`
    WITH locked AS (
      SELECT c."id", c."affiliateProfileId", c."commissionAmount", c."createdAt"
      FROM "Commission" c
      WHERE c."status" = 'APPROVED'
        AND NOT EXISTS (SELECT 1 FROM "DisbursementTransaction" t WHERE t."liveCommissionId" = c."id")
        ${onlyAffiliates}
      FOR UPDATE OF c SKIP LOCKED
    ), totals AS (
      SELECT l.*, sum(l."commissionAmount") OVER (PARTITION BY l."affiliateProfileId") AS "affiliateTotal"
      FROM locked l
    )
    SELECT t."id", t."affiliateProfileId"
    FROM totals t
    JOIN "AffiliateRiseAccount" a ON a."affiliateProfileId" = t."affiliateProfileId" AND a."kycStatus" = 'APPROVED'
    WHERE t."affiliateTotal" >= ${minPayout}::numeric
    ORDER BY t."affiliateProfileId", t."createdAt", t."id"`;
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
           ${batch.batchNumber} || '-' || lpad(n."position"::text, 5, '0'),
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
    INSERT INTO "DisbursementAuditLog" ("id", "action", "status", "batchId", "transactionId", "commissionId",
                                        "toStatus", "details", "actor", "ipAddress", "userAgent")
    SELECT gen_random_uuid()::text, 'transaction.created', 'INFO'::"AuditLogStatus", t."batchId", t."id", t."commissionId", 'PENDING',
           jsonb_build_object('amount', t."amount"::text), ${who.actor}, ${who.ipAddress ?? null}, ${who.userAgent ?? null}
    FROM "DisbursementTransaction" t WHERE t."batchId" = ${batch.id}
    UNION ALL
    SELECT gen_random_uuid()::text, 'batch.created', 'SUCCESS'::"AuditLogStatus", ${batch.id}, NULL, NULL, 'PENDING',
           jsonb_build_object('batchNumber', ${batch.batchNumber}::text, 'paymentCount', ${written.paymentCount}::int,
                              'totalAmount', ${written.totalAmount}::numeric::text),
           ${who.actor}, ${who.ipAddress ?? null}, ${who.userAgent ?? null}`;

  return {
    id: batch.id,
    batchNumber: batch.batchNumber,
    paymentCount: written.paymentCount,
    totalAmount: written.totalAmount.toFixed(2),
  };
}
