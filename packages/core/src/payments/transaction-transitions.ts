import { batcherPer, type Db, type DisbursementTransactionStatus, makeBatcher, Prisma } from '@payouts/db';
import { auditColumns, auditValues } from '../audit.ts';
import type { Actor, CoreDeps } from '../deps.ts';

const settledStatuses = new Set<DisbursementTransactionStatus>(['COMPLETED', 'FAILED', 'CANCELLED', 'REVERSED']);

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
  /** When an attempt last ended without an answer (UNKNOWN) or for a retry: where an unsettled attempt starts. */
  lastRetryAt: Date | null;
}

/** A claimed row as node-postgres reads it: the amount as a decimal string. */
type ClaimedRow = Omit<ClaimedTransaction, 'amount'> & { amount: string };

/** Why a claim was refused outright: the job asked for something Postgres never authorised. */
export type ClaimRefusal = 'TRANSACTION_NOT_FOUND' | 'BATCH_MISMATCH' | 'BATCH_NOT_PROCESSING';

export type ClaimResult =
  | { claimed: true; transaction: ClaimedTransaction }
  | { claimed: false; status: DisbursementTransactionStatus; leaseEndsAt?: Date }
  | { claimed: false; refused: ClaimRefusal; status?: string };

/**
 * Takes the transaction for one payment attempt: PENDING|UNKNOWN -> PROCESSING, or a PROCESSING
 * claim older than the lease (its holder is presumed dead). Only a transaction of the given batch,
 * and only while that batch is PROCESSING: executing it was decided in Postgres, not by whoever added
 * the job. The claim time doubles as a fencing token: only the holder of this exact claim may settle
 * the transaction afterwards.
 */
export async function claimTransaction(
  deps: CoreDeps,
  transactionId: string,
  batchId: string,
  leaseMs: number,
  who: Actor,
): Promise<ClaimResult> {
  const claimed = await claimBatcher(deps.db)({ transactionId, batchId, leaseMs, who });
  if (claimed) return { claimed: true, transaction: claimed };

  const current = await deps.db.disbursementTransaction.findUnique({
    where: { id: transactionId },
    select: { status: true, claimedAt: true, batchId: true, batch: { select: { status: true } } },
  });
  if (!current) return { claimed: false, refused: 'TRANSACTION_NOT_FOUND' };
  if (current.batchId !== batchId) return { claimed: false, refused: 'BATCH_MISMATCH' };
  // Settled already: a repeated delivery of a job that did its work, nothing to refuse.
  if (settledStatuses.has(current.status)) return { claimed: false, status: current.status };
  if (current.batch.status !== 'PROCESSING') {
    return { claimed: false, refused: 'BATCH_NOT_PROCESSING', status: current.batch.status };
  }
  const leaseEndsAt =
    current.status === 'PROCESSING' && current.claimedAt ? new Date(current.claimedAt.getTime() + leaseMs) : undefined;
  return { claimed: false, status: current.status, leaseEndsAt };
}

interface ClaimRequest {
  transactionId: string;
  batchId: string;
  leaseMs: number;
  who: Actor;
}

/** Claims of concurrent payments, one statement for many (see statement-batcher.ts in packages/db). */
const claimBatcher = batcherPer((db: Db) =>
  makeBatcher<ClaimRequest, ClaimedTransaction | undefined>({
    maxBatch: 100,
    maxInFlight: 2,
    keyOf: (request) => request.transactionId,
    run: (requests) =>
      inGroups(
        requests,
        (r) => `${r.leaseMs}|${actorKey(r.who)}`,
        (group) => claimMany(db, group),
      ),
  }),
);

/**
 * One statement for all: each compare-and-set and its audit row commit together. Rows are locked in id
 * order, so that two such statements never wait on each other in a circle. A batch leaves PROCESSING only
 * once none of its transactions is claimable, so no lock on it is needed.
 */
async function claimMany(db: Db, requests: ClaimRequest[]): Promise<(ClaimedTransaction | undefined)[]> {
  const [{ leaseMs, who }] = requests as [ClaimRequest];
  const rows = await db.sql<ClaimedRow>(Prisma.sql`
    WITH input AS (
      SELECT * FROM unnest(${requests.map((r) => r.transactionId)}::text[], ${requests.map((r) => r.batchId)}::text[])
        AS i("id", "batchId")
    ), prev AS (
      SELECT t."id", t."status", t."claimedAt" FROM "DisbursementTransaction" t
      JOIN input i ON i."id" = t."id" AND i."batchId" = t."batchId"
      JOIN "PaymentBatch" b ON b."id" = t."batchId" AND b."status" = 'PROCESSING'
      ORDER BY t."id"
      FOR UPDATE OF t
    ), claimed AS (
      UPDATE "DisbursementTransaction" t
      SET "status" = 'PROCESSING', "claimedAt" = clock_timestamp(), "updatedAt" = now()
      FROM prev
      WHERE t."id" = prev."id"
        AND (prev."status" IN ('PENDING', 'UNKNOWN')
             OR (prev."status" = 'PROCESSING' AND prev."claimedAt" < clock_timestamp() - ${leaseMs} * interval '1 millisecond'))
      RETURNING t."id", t."batchId", t."commissionId", t."affiliateProfileId", t."idempotencyKey", t."transactionId",
                t."payeeRiseId", t."amount", t."currency", t."claimedAt", t."lastRetryAt", prev."status" AS "previous"
    ), audit AS (
      INSERT INTO "DisbursementAuditLog" ${auditColumns}
      SELECT ${auditValues(who, {
        action: Prisma.sql`CASE WHEN c."previous" = 'PROCESSING' THEN 'payment.claim_taken_over' ELSE 'payment.claimed' END`,
        status: 'INFO',
        batchId: Prisma.sql`c."batchId"`,
        transactionId: Prisma.sql`c."id"`,
        fromStatus: Prisma.sql`c."previous"::text`,
        toStatus: 'PROCESSING',
      })}
      FROM claimed c
    )
    SELECT * FROM claimed`);
  const byId = new Map(rows.map((row) => [row.id, { ...row, amount: new Prisma.Decimal(row.amount) }]));
  return requests.map((r) => byId.get(r.transactionId));
}

/**
 * Records a payment: transaction PROCESSING -> COMPLETED (for this claim only), commission APPROVED ->
 * PAID, the affiliate's totals, and their audit rows, all or nothing. Returns false when the claim was
 * taken over meanwhile; the new holder looks the payment up and records it.
 */
export async function recordPaymentCompleted(
  deps: CoreDeps,
  claim: ClaimedTransaction,
  providerTxId: string,
  who: Actor,
): Promise<boolean> {
  const recorded = await completionBatcher(deps.db)({ claim, providerTxId, who });
  if (recorded instanceof Error) throw recorded;
  return recorded;
}

interface Completion {
  claim: ClaimedTransaction;
  providerTxId: string;
  who: Actor;
}

/** Completions of concurrent payments, one statement for many (see statement-batcher.ts in packages/db). */
const completionBatcher = batcherPer((db: Db) =>
  makeBatcher<Completion, boolean | Error>({
    maxBatch: 100,
    maxInFlight: 2,
    keyOf: (completion) => completion.claim.id,
    run: (completions) =>
      inGroups(
        completions,
        (c) => actorKey(c.who),
        (group) => completeEach(db, group),
      ),
  }),
);

/**
 * All in one statement; when its check fails (a commission no longer APPROVED), each one again on its
 * own, so that only that payment's recording fails.
 */
async function completeEach(db: Db, completions: Completion[]): Promise<(boolean | Error)[]> {
  try {
    return await completeMany(db, completions);
  } catch (error) {
    if (completions.length === 1 || (error as { code?: string }).code !== checkViolation) throw error;
    return Promise.all(
      completions.map((c) =>
        completeMany(db, [c]).then(
          ([done]) => done ?? false,
          (alone: Error) => alone,
        ),
      ),
    );
  }
}

const checkViolation = '23514';

/**
 * One statement, so one round trip and atomic: raise_unless undoes every write of it unless each
 * commission was APPROVED (PAID must mean exactly one COMPLETED transaction). An affiliate paid twice in
 * one statement gets both amounts added once.
 */
async function completeMany(db: Db, completions: Completion[]): Promise<boolean[]> {
  const [{ who }] = completions as [Completion];
  const rows = await db.sql<{ id: string }>(Prisma.sql`
    WITH input AS (
      SELECT * FROM unnest(${completions.map((c) => c.claim.id)}::text[],
                           ${completions.map((c) => c.claim.claimedAt.toISOString())}::timestamp(3)[],
                           ${completions.map((c) => c.providerTxId)}::text[]) AS i("id", "claimedAt", "providerTxId")
    ), done AS (
      UPDATE "DisbursementTransaction" t
      SET "status" = 'COMPLETED', "providerTxId" = i."providerTxId", "completedAt" = now(), "errorMessage" = NULL,
          "updatedAt" = now()
      FROM input i
      WHERE t."id" = i."id" AND t."status" = 'PROCESSING' AND t."claimedAt" = i."claimedAt"
      RETURNING t."id", t."batchId", t."commissionId", t."affiliateProfileId", t."amount", t."idempotencyKey",
                t."providerTxId"
    ), paid AS (
      UPDATE "Commission" c SET "status" = 'PAID', "paidAt" = now(), "updatedAt" = now()
      FROM done WHERE c."id" = done."commissionId" AND c."status" = 'APPROVED'
      RETURNING c."id"
    ), locked AS MATERIALIZED (
      -- Affiliates are shared between concurrent statements: lock them in id order, so that two never
      -- wait on each other in a circle.
      SELECT p."id" FROM "AffiliateProfile" p
      WHERE p."id" IN (SELECT "affiliateProfileId" FROM done)
      ORDER BY p."id"
      FOR UPDATE
    ), totals AS (
      UPDATE "AffiliateProfile" p
      SET "paidCommissions" = p."paidCommissions" + d."amount",
          "pendingCommissions" = p."pendingCommissions" - d."amount", "updatedAt" = now()
      FROM (SELECT "affiliateProfileId", sum("amount") AS "amount" FROM done GROUP BY "affiliateProfileId") d
      JOIN locked l ON l."id" = d."affiliateProfileId"
      WHERE p."id" = d."affiliateProfileId"
      RETURNING p."id"
    ), audit AS (
      INSERT INTO "DisbursementAuditLog" ${auditColumns}
      SELECT ${auditValues(who, {
        action: Prisma.sql`e."action"`,
        status: 'SUCCESS',
        batchId: Prisma.sql`d."batchId"`,
        transactionId: Prisma.sql`d."id"`,
        commissionId: Prisma.sql`d."commissionId"`,
        fromStatus: Prisma.sql`e."fromStatus"`,
        toStatus: Prisma.sql`e."toStatus"`,
        details: Prisma.sql`jsonb_build_object('amount', d."amount"::text, 'providerTxId', d."providerTxId",
                                               'idempotencyKey', d."idempotencyKey")`,
      })}
      FROM done d
      CROSS JOIN (VALUES ('payment.completed', 'PROCESSING', 'COMPLETED'),
                         ('commission.paid', 'APPROVED', 'PAID')) AS e("action", "fromStatus", "toStatus")
    )
    SELECT "id" FROM done
    WHERE raise_unless((SELECT count(*) FROM done) = (SELECT count(*) FROM paid),
                       ${`a commission was not APPROVED when paid (${completions.map((c) => c.claim.commissionId).join(', ')})`})`);
  const done = new Set(rows.map((row) => row.id));
  return completions.map((c) => done.has(c.claim.id));
}

/** Who, as a key: requests of different actors never share a statement (each statement audits one). */
const actorKey = (who: Actor) => `${who.actor}|${who.ipAddress ?? ''}|${who.userAgent ?? ''}`;

/** Runs each group of items that share a key as one call, and answers the results in the items' order. */
async function inGroups<I, O>(items: I[], keyOf: (item: I) => string, run: (group: I[]) => Promise<O[]>) {
  const groups = new Map<string, number[]>();
  for (const [n, item] of items.entries()) groups.set(keyOf(item), [...(groups.get(keyOf(item)) ?? []), n]);
  const results = new Array<O>(items.length);
  await Promise.all(
    [...groups.values()].map(async (positions) => {
      const answers = await run(positions.map((n) => items[n] as I));
      for (const [k, n] of positions.entries()) results[n] = answers[k] as O;
    }),
  );
  return results;
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
  /** Why this payment must never be paid again (two live provider payments for its key). */
  incident?: string,
  /** Leave retryCount and lastRetryAt as they are: the attempt found nothing to do yet, it did not fail. */
  keepRetryClock = false,
): Promise<boolean> {
  const error = errorMessage.slice(0, 2000);
  const { action, status } = auditOf[to];
  const rows = await deps.db.sql<{ id: string }>(Prisma.sql`
    WITH released AS (
      UPDATE "DisbursementTransaction"
      SET "status" = ${to}::"DisbursementTransactionStatus", "errorMessage" = ${error}, "updatedAt" = now(),
          "failedAt" = CASE WHEN ${to} = 'FAILED' THEN now() ELSE "failedAt" END,
          "retryCount" = CASE WHEN ${to} = 'FAILED' OR ${keepRetryClock} THEN "retryCount" ELSE "retryCount" + 1 END,
          "lastRetryAt" = CASE WHEN ${to} = 'FAILED' OR ${keepRetryClock} THEN "lastRetryAt" ELSE now() END,
          "incident" = coalesce(${incident ?? null}, "incident")
      WHERE "id" = ${claim.id} AND "status" = 'PROCESSING' AND "claimedAt" = ${claim.claimedAt}
      RETURNING "id", "batchId", "commissionId"
    ), audit AS (
      INSERT INTO "DisbursementAuditLog" ${auditColumns}
      SELECT ${auditValues(who, {
        action,
        status,
        batchId: Prisma.sql`r."batchId"`,
        transactionId: Prisma.sql`r."id"`,
        commissionId: Prisma.sql`r."commissionId"`,
        fromStatus: 'PROCESSING',
        toStatus: to,
        details: Prisma.sql`jsonb_build_object('error', ${error}::text)`,
      })}
      FROM released r
    )
    SELECT "id" FROM released`);
  return rows.length === 1;
}
