import { centsToDecimal, decimalToCents } from './money.ts';
import type { SeedData } from './seed-data.generator.ts';
import type { CommissionRow, RiseAccountRow } from './seed-data.types.ts';

/** Past payments are grouped into completed batches of at most this many (the default MAX_BATCH_SIZE). */
const HISTORY_BATCH_SIZE = 500;
const SEED_ACTOR = 'system:seed';

export interface PaidCommission {
  commission: CommissionRow;
  account: RiseAccountRow;
  /** `<seed>_<affiliate>_<commission>`: the suffix of every id written for this payment. */
  key: string;
}

function paidAtOf(p: { commission: CommissionRow }): Date {
  if (!p.commission.paidAt) throw new Error(`paid commission ${p.commission.id} has no paidAt`);
  return p.commission.paidAt;
}

/**
 * Completed batches, transactions, mock ledger rows and audit rows for the PAID commissions, written
 * the way a real payment writes them, so that the invariants hold on seeded data too.
 */
export function addPaymentHistory(data: SeedData, paid: readonly PaidCommission[]): void {
  const { seed } = data.options;
  const byPaidAt = [...paid].sort((a, b) => paidAtOf(a).getTime() - paidAtOf(b).getTime() || (a.key < b.key ? -1 : 1));
  for (let start = 0, b = 1; start < byPaidAt.length; start += HISTORY_BATCH_SIZE, b++) {
    const chunk = byPaidAt.slice(start, start + HISTORY_BATCH_SIZE);
    const paidTimes = chunk.map((p) => paidAtOf(p).getTime());
    const executedAt = new Date(Math.min(...paidTimes) - 3_600_000);
    const completedAt = new Date(Math.max(...paidTimes));
    const batchId = `bat_${seed}_${b}`;
    const totalCents = chunk.reduce((sum, p) => sum + decimalToCents(p.commission.commissionAmount), 0);
    data.paymentBatches.push({
      id: batchId,
      batchNumber: `SEED-${seed}-${String(b).padStart(3, '0')}`,
      paymentCount: chunk.length,
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
    data.auditLogs.push({
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
    for (const { commission, account, key } of chunk) {
      const paidAt = paidAtOf({ commission });
      const txId = `txn_${key}`;
      const idempotencyKey = `seed_${key}`;
      const providerTxId = `mock_seed_${key}`;
      data.transactions.push({
        id: txId,
        batchId,
        commissionId: commission.id,
        liveCommissionId: commission.id,
        affiliateProfileId: commission.affiliateProfileId,
        transactionId: `TX-SEED-${key}`,
        idempotencyKey,
        providerTxId,
        provider: 'MOCK',
        affiliateRiseAccountId: account.id,
        payeeRiseId: account.riseId,
        amount: commission.commissionAmount,
        currency: 'USD',
        status: 'COMPLETED',
        metadata: { source: 'seed', seed },
        createdAt: executedAt,
        completedAt: paidAt,
      });
      data.mockProviderPayments.push({
        id: `mpp_${key}`,
        idempotencyKey,
        providerTxId,
        payeeId: account.riseId,
        amount: commission.commissionAmount,
        currency: 'USD',
        sendCalls: 1,
        createdAt: paidAt,
      });
      const amount = commission.commissionAmount;
      data.auditLogs.push(
        {
          id: `aud_${key}_tx`,
          action: 'payment.completed',
          status: 'SUCCESS',
          details: { source: 'seed', seed, amount, providerTxId, idempotencyKey },
          batchId,
          transactionId: txId,
          commissionId: commission.id,
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
          commissionId: commission.id,
          fromStatus: 'APPROVED',
          toStatus: 'PAID',
          actor: SEED_ACTOR,
          createdAt: paidAt,
        },
      );
    }
  }
}
