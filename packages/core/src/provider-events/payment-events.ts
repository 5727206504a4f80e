import { type DisbursementTransactionStatus, Prisma } from '@payouts/db';
import { auditColumns, auditValues, writeAudit } from '../audit.ts';
import type { Actor } from '../deps.ts';

type Tx = Prisma.TransactionClient;

/** What the provider said of one payment, from a webhook or a look-up. */
export interface PaymentWord {
  providerTxId: string;
  idempotencyKey: string | null;
  /** Decimal USD string, when the provider said. */
  amount: string | null;
  providerState: string;
  /** Where it came from, for the audit row: the stored event's id, or that the reconciler looked it up. */
  source: { eventId: string } | { lookUp: true };
}

/** How applying a provider's word ended; the stored event takes this status. */
export type ApplyOutcome = {
  status: 'APPLIED' | 'IGNORED' | 'WAITING' | 'CONFLICT';
  message: string;
  transactionId?: string;
};

interface Recorded {
  id: string;
  batchId: string;
  commissionId: string;
  status: DisbursementTransactionStatus;
  providerTxId: string | null;
  amount: Prisma.Decimal;
  confirmedAt: Date | null;
}

const inFlight = new Set<DisbursementTransactionStatus>(['PENDING', 'PROCESSING', 'UNKNOWN']);

/**
 * Our transaction for the payment, locked for the rest of the DB transaction: by our idempotency key
 * when the payment carries it, else by the provider's id.
 */
async function lockRecorded(tx: Tx, word: PaymentWord): Promise<Recorded | undefined> {
  const rows = await tx.$queryRaw<Recorded[]>`
    SELECT "id", "batchId", "commissionId", "status", "providerTxId", "amount", "confirmedAt"
    FROM "DisbursementTransaction"
    WHERE "idempotencyKey" = ${word.idempotencyKey} OR "providerTxId" = ${word.providerTxId}
    ORDER BY ("providerTxId" = ${word.providerTxId}) DESC NULLS LAST
    LIMIT 1
    FOR UPDATE`;
  return rows[0];
}

/**
 * Our settled transaction for the payment, locked; or why there is nothing to apply to yet: no payment
 * of ours, or ours is still in flight here (the event waits).
 */
async function lockSettledRecord(
  tx: Tx,
  word: PaymentWord,
): Promise<{ recorded: Recorded } | { outcome: ApplyOutcome }> {
  const recorded = await lockRecorded(tx, word);
  if (!recorded)
    return { outcome: { status: 'IGNORED', message: 'no payment of ours carries this key or provider id' } };
  if (!inFlight.has(recorded.status)) return { recorded };
  const message = `the payment is ${recorded.status} here: applied once it settles`;
  return { outcome: { status: 'WAITING', transactionId: recorded.id, message } };
}

const sourceDetails = (word: PaymentWord) =>
  'eventId' in word.source ? { eventId: word.source.eventId } : { source: 'provider look-up' };

/**
 * The provider confirms a payment (Rise: state complete). A COMPLETED transaction with that provider id
 * gets its provider state and confirmation time, once. A payment still in flight here waits; anything
 * that contradicts our records is a conflict for an operator, and changes nothing.
 */
export async function applyPaymentSent(tx: Tx, word: PaymentWord, who: Actor): Promise<ApplyOutcome> {
  const found = await lockSettledRecord(tx, word);
  if ('outcome' in found) return found.outcome;
  const { recorded } = found;
  const transactionId = recorded.id;
  const sameProviderPayment = recorded.providerTxId === word.providerTxId;
  if (recorded.status === 'REVERSED' && sameProviderPayment) {
    return {
      status: 'IGNORED',
      transactionId,
      message: 'the provider removed this payment since: removal is its later word',
    };
  }
  if (recorded.status !== 'COMPLETED' || !sameProviderPayment) {
    const message =
      recorded.status === 'COMPLETED'
        ? `the provider reports payment ${word.providerTxId}, we recorded ${recorded.providerTxId}: two payments for one key?`
        : `the provider reports a payment sent for a transaction we recorded as ${recorded.status}`;
    await flagConflict(tx, recorded, word, message, who);
    return { status: 'CONFLICT', transactionId, message };
  }
  if (word.amount !== null && !recorded.amount.equals(new Prisma.Decimal(word.amount))) {
    const message = `the provider reports ${word.amount}, we paid ${recorded.amount.toFixed(2)}`;
    await flagConflict(tx, recorded, word, message, who);
    return { status: 'CONFLICT', transactionId, message };
  }
  if (recorded.confirmedAt) return { status: 'IGNORED', transactionId, message: 'confirmed already' };

  await tx.disbursementTransaction.update({
    where: { id: recorded.id, status: 'COMPLETED', confirmedAt: null },
    data: { providerState: word.providerState, confirmedAt: new Date() },
  });
  await writeAudit(tx, who, {
    action: 'payment.confirmed',
    status: 'SUCCESS',
    batchId: recorded.batchId,
    transactionId: recorded.id,
    commissionId: recorded.commissionId,
    details: { providerTxId: word.providerTxId, providerState: word.providerState, ...sourceDetails(word) },
  });
  return { status: 'APPLIED', transactionId, message: 'payment confirmed' };
}

/**
 * The provider removed a payment. Only the COMPLETED transaction recorded with that provider id is
 * reversed; a removal of another payment under the same key (one we never counted) changes nothing.
 */
export async function applyPaymentRemoved(
  tx: Tx,
  word: PaymentWord & { reason: string | null },
  who: Actor,
): Promise<ApplyOutcome> {
  const found = await lockSettledRecord(tx, word);
  if ('outcome' in found) return found.outcome;
  const { recorded } = found;
  const transactionId = recorded.id;
  if (recorded.providerTxId !== word.providerTxId) {
    return {
      status: 'IGNORED',
      transactionId,
      message: `we recorded payment ${recorded.providerTxId ?? 'none'}, not this one`,
    };
  }
  if (recorded.status === 'REVERSED') return { status: 'IGNORED', transactionId, message: 'reversed already' };
  if (recorded.status !== 'COMPLETED') {
    return {
      status: 'IGNORED',
      transactionId,
      message: `the transaction is ${recorded.status}: no live payment to reverse`,
    };
  }
  await reverseCompletedPayment(tx, recorded, word, who);
  return { status: 'APPLIED', transactionId, message: 'payment reversed: its commission is payable again' };
}

/**
 * COMPLETED -> REVERSED (no longer live), commission PAID -> APPROVED, the affiliate's totals back, and
 * their audit rows: one statement, checked after, so that either all of it happens or none.
 */
async function reverseCompletedPayment(
  tx: Tx,
  recorded: Recorded,
  word: PaymentWord & { reason: string | null },
  who: Actor,
): Promise<void> {
  const reason = (word.reason ?? 'removed by the provider').slice(0, 2000);
  const details = JSON.stringify({ providerTxId: word.providerTxId, reason, ...sourceDetails(word) });
  const [result] = await tx.$queryRaw<{ reversed: number; released: number }[]>`
    WITH reversed AS (
      UPDATE "DisbursementTransaction"
      SET "status" = 'REVERSED', "liveCommissionId" = NULL, "providerState" = ${word.providerState},
          "reversedAt" = now(), "errorMessage" = ${reason}, "updatedAt" = now()
      WHERE "id" = ${recorded.id} AND "status" = 'COMPLETED' AND "providerTxId" = ${word.providerTxId}
      RETURNING "id", "batchId", "commissionId", "affiliateProfileId", "amount"
    ), released AS (
      UPDATE "Commission" c SET "status" = 'APPROVED', "paidAt" = NULL, "updatedAt" = now()
      FROM reversed r WHERE c."id" = r."commissionId" AND c."status" = 'PAID'
      RETURNING c."id"
    ), totals AS (
      UPDATE "AffiliateProfile" p
      SET "paidCommissions" = p."paidCommissions" - r."amount",
          "pendingCommissions" = p."pendingCommissions" + r."amount", "updatedAt" = now()
      FROM reversed r WHERE p."id" = r."affiliateProfileId"
      RETURNING p."id"
    ), audit AS (
      INSERT INTO "DisbursementAuditLog" ${auditColumns}
      SELECT ${auditValues(who, {
        action: Prisma.sql`e."action"`,
        status: 'WARNING',
        batchId: Prisma.sql`r."batchId"`,
        transactionId: Prisma.sql`r."id"`,
        commissionId: Prisma.sql`r."commissionId"`,
        fromStatus: Prisma.sql`e."fromStatus"`,
        toStatus: Prisma.sql`e."toStatus"`,
        details: Prisma.sql`${details}::jsonb || jsonb_build_object('amount', r."amount"::text)`,
      })}
      FROM reversed r
      CROSS JOIN (VALUES ('payment.reversed', 'COMPLETED', 'REVERSED'),
                         ('commission.reversed', 'PAID', 'APPROVED')) AS e("action", "fromStatus", "toStatus")
    )
    SELECT (SELECT count(*)::int FROM reversed) AS "reversed", (SELECT count(*)::int FROM released) AS "released"`;
  if (result?.reversed !== 1 || result.released !== 1) {
    throw new Error(`payment ${recorded.id} could not be reversed: its commission was not PAID`);
  }
}

async function flagConflict(tx: Tx, recorded: Recorded, word: PaymentWord, message: string, who: Actor) {
  await writeAudit(tx, who, {
    action: 'payment.provider_conflict',
    status: 'WARNING',
    batchId: recorded.batchId,
    transactionId: recorded.id,
    commissionId: recorded.commissionId,
    details: { message, providerTxId: word.providerTxId, amount: word.amount, ...sourceDetails(word) },
  });
}
