import { Prisma } from '@payouts/db';

/** Which payments a report covers: a payout date in [from, to), and optionally one status, provider or affiliate. */
export interface PayoutFilter {
  from: Date;
  to: Date;
  status?: PayoutStatus;
  provider?: 'MOCK' | 'RISE';
  affiliateId?: string;
}

export type PayoutStatus = 'PENDING' | 'PROCESSING' | 'UNKNOWN' | 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'REVERSED';

/** One payment as the CSV exports show it; amounts as decimal strings, times as UTC instants. */
export interface PayoutRow {
  reference: string;
  transactionId: string;
  batchNumber: string;
  batchId: string;
  affiliateId: string;
  commissionId: string;
  payeeRiseId: string | null;
  provider: string;
  status: string;
  amount: string;
  currency: string;
  payoutAt: Date;
  createdAt: Date;
  completedAt: Date | null;
  failedAt: Date | null;
  reversedAt: Date | null;
  providerTxId: string | null;
  errorMessage: string | null;
}

export const payoutColumns = [
  { key: 'reference', header: 'reference' },
  { key: 'transactionId', header: 'transaction_id' },
  { key: 'batchNumber', header: 'batch_number' },
  { key: 'batchId', header: 'batch_id' },
  { key: 'affiliateId', header: 'affiliate_id' },
  { key: 'commissionId', header: 'commission_id' },
  { key: 'payeeRiseId', header: 'payee_rise_id' },
  { key: 'provider', header: 'provider' },
  { key: 'status', header: 'status' },
  { key: 'amount', header: 'amount' },
  { key: 'currency', header: 'currency' },
  { key: 'payoutAt', header: 'payout_date' },
  { key: 'createdAt', header: 'created_at' },
  { key: 'completedAt', header: 'completed_at' },
  { key: 'failedAt', header: 'failed_at' },
  { key: 'reversedAt', header: 'reversed_at' },
  { key: 'providerTxId', header: 'provider_tx_id' },
  { key: 'errorMessage', header: 'error' },
] as const satisfies readonly { key: keyof PayoutRow; header: string }[];

/**
 * A payment's payout date: when it was paid (COMPLETED, and REVERSED ones, which were paid first), or
 * when it was scheduled for one not paid. Written so that each half can use its own index.
 */
export function payoutDateWhere(filter: PayoutFilter): Prisma.Sql {
  const { from, to } = filter;
  const conditions = [
    Prisma.sql`((t."completedAt" >= ${from} AND t."completedAt" < ${to})
      OR (t."completedAt" IS NULL AND t."createdAt" >= ${from} AND t."createdAt" < ${to}))`,
  ];
  if (filter.status) conditions.push(Prisma.sql`t.status = ${filter.status}::"DisbursementTransactionStatus"`);
  if (filter.provider) conditions.push(Prisma.sql`t.provider = ${filter.provider}::"DisbursementProvider"`);
  if (filter.affiliateId) conditions.push(Prisma.sql`t."affiliateProfileId" = ${filter.affiliateId}`);
  return Prisma.join(conditions, ' AND ');
}

const payoutDate = Prisma.sql`coalesce(t."completedAt", t."createdAt")`;

/** The columns of PayoutRow, for a FROM of transactions `t` joined to their batch `b`. */
const payoutRowSelect = Prisma.sql`
  t."transactionId" AS reference, t.id AS "transactionId", b."batchNumber", t."batchId",
  t."affiliateProfileId" AS "affiliateId", t."commissionId", t."payeeRiseId", t.provider::text AS provider,
  t.status::text AS status, t.amount, t.currency, ${payoutDate} AS "payoutAt", t."createdAt", t."completedAt",
  t."failedAt", t."reversedAt", t."providerTxId", t."errorMessage"`;

/** Every payment the filter covers, in payout date order. */
export function payoutRowsQuery(filter: PayoutFilter): Prisma.Sql {
  return Prisma.sql`SELECT ${payoutRowSelect}
    FROM "DisbursementTransaction" t JOIN "PaymentBatch" b ON b.id = t."batchId"
    WHERE ${payoutDateWhere(filter)}
    ORDER BY "payoutAt", t.id`;
}

/** Every payment of one batch, by our reference. */
export function batchPayoutRowsQuery(batchId: string): Prisma.Sql {
  return Prisma.sql`SELECT ${payoutRowSelect}
    FROM "DisbursementTransaction" t JOIN "PaymentBatch" b ON b.id = t."batchId"
    WHERE t."batchId" = ${batchId}
    ORDER BY t."transactionId"`;
}

export { payoutDate };
