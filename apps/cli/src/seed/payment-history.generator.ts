import { centsToDecimal } from './money.ts';
import { riseUserNanoid } from './rise-user-nanoid.ts';
import type { SeedRows } from './seed-data.types.ts';
import { affiliateIdOf, commissionIdOf, payoutAccountIdOf } from './seed-ids.ts';

/** Past payments are grouped into completed batches of at most this many (the default MAX_BATCH_SIZE). */
const HISTORY_BATCH_SIZE = 500;
const SEED_ACTOR = 'system:seed';

/**
 * What the payment history needs of a PAID commission, and no more: the generator keeps one per PAID
 * commission (about 100 bytes, a fifth of its row) until every affiliate is generated and written.
 */
export interface PaidCommission {
  /** The affiliate's number. */
  n: number;
  cents: number;
  /** Milliseconds since the epoch. */
  paidAt: number;
  /** From `commissionKeyOf`. */
  key: string;
}

export function emptyRows(): SeedRows {
  return {
    users: [],
    affiliateProfiles: [],
    affiliateCodes: [],
    riseAccounts: [],
    commissions: [],
    paymentBatches: [],
    transactions: [],
    mockProviderPayments: [],
    auditLogs: [],
  };
}

/**
 * Completed batches, transactions, mock ledger rows and audit rows for the PAID commissions, written
 * the way a real payment writes them, so that the invariants hold on seeded data too. Yields the rows of
 * `batchesPerChunk` batches at a time, oldest payments first.
 */
export function* paymentHistoryChunks(
  seed: number,
  paid: readonly PaidCommission[],
  batchesPerChunk: number,
): Generator<SeedRows> {
  const byPaidAt = [...paid].sort((a, b) => a.paidAt - b.paidAt || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  let rows = emptyRows();
  for (let start = 0, b = 1; start < byPaidAt.length; start += HISTORY_BATCH_SIZE, b++) {
    addBatch(rows, seed, b, byPaidAt.slice(start, start + HISTORY_BATCH_SIZE));
    if (rows.paymentBatches.length === batchesPerChunk) {
      yield rows;
      rows = emptyRows();
    }
  }
  if (rows.paymentBatches.length > 0) yield rows;
}

/** Batch number `b`, completed, with one COMPLETED transaction, ledger row and audit pair per payment. */
function addBatch(rows: SeedRows, seed: number, b: number, payments: readonly PaidCommission[]): void {
  const paidTimes = payments.map((p) => p.paidAt);
  const executedAt = new Date(Math.min(...paidTimes) - 3_600_000);
  const completedAt = new Date(Math.max(...paidTimes));
  const batchId = `bat_${seed}_${b}`;
  const totalCents = payments.reduce((sum, p) => sum + p.cents, 0);
  rows.paymentBatches.push({
    id: batchId,
    batchNumber: `SEED-${seed}-${String(b).padStart(3, '0')}`,
    paymentCount: payments.length,
    totalAmount: centsToDecimal(totalCents),
    currency: 'USD',
    provider: 'MOCK',
    status: 'COMPLETED',
    createdBy: SEED_ACTOR,
    executedAt,
    completedAt,
    metadata: { source: 'seed', seed, note: 'historical payments of the seeded PAID commissions' },
    createdAt: executedAt,
  });
  rows.auditLogs.push({
    id: `aud_${seed}_bat_${b}`,
    action: 'batch.completed',
    status: 'SUCCESS',
    details: { source: 'seed', seed },
    batchId,
    transactionId: null,
    commissionId: null,
    fromStatus: 'PROCESSING',
    toStatus: 'COMPLETED',
    actor: SEED_ACTOR,
    createdAt: completedAt,
  });
  for (const payment of payments) {
    const { n, key } = payment;
    const commissionId = commissionIdOf(key);
    const amount = centsToDecimal(payment.cents);
    const paidAt = new Date(payment.paidAt);
    const riseId = riseUserNanoid(seed, n);
    const txId = `txn_${key}`;
    const idempotencyKey = `seed_${key}`;
    const providerTxId = `mock_seed_${key}`;
    rows.transactions.push({
      id: txId,
      batchId,
      commissionId,
      liveCommissionId: commissionId,
      affiliateProfileId: affiliateIdOf(seed, n),
      transactionId: `TX-SEED-${key}`,
      idempotencyKey,
      providerTxId,
      provider: 'MOCK',
      affiliateRiseAccountId: payoutAccountIdOf(seed, n),
      payeeRiseId: riseId,
      amount,
      currency: 'USD',
      status: 'COMPLETED',
      metadata: { source: 'seed', seed },
      createdAt: executedAt,
      completedAt: paidAt,
    });
    rows.mockProviderPayments.push({
      id: `mpp_${key}`,
      idempotencyKey,
      providerTxId,
      payeeId: riseId,
      amount,
      currency: 'USD',
      sendCalls: 1,
      createdAt: paidAt,
    });
    rows.auditLogs.push(
      {
        id: `aud_${key}_tx`,
        action: 'payment.completed',
        status: 'SUCCESS',
        details: { source: 'seed', seed, amount, providerTxId, idempotencyKey },
        batchId,
        transactionId: txId,
        commissionId,
        fromStatus: 'PROCESSING',
        toStatus: 'COMPLETED',
        actor: SEED_ACTOR,
        createdAt: paidAt,
      },
      {
        id: `aud_${key}_com`,
        action: 'commission.paid',
        status: 'SUCCESS',
        details: { source: 'seed', seed, amount },
        batchId,
        transactionId: txId,
        commissionId,
        fromStatus: 'APPROVED',
        toStatus: 'PAID',
        actor: SEED_ACTOR,
        createdAt: paidAt,
      },
    );
  }
}
