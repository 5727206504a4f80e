import type { Db, Prisma } from '@payouts/db';
import type { SeedData } from './seed-data.generator.ts';
import type {
  AffiliateCodeRow,
  AffiliateProfileRow,
  AuditLogRow,
  CommissionRow,
  MockProviderPaymentRow,
  PaymentBatchRow,
  RiseAccountRow,
  TransactionRow,
  UserRow,
} from './seed-data.types.ts';

type Tx = Prisma.TransactionClient;

export class SeedRefusedError extends Error {
  override name = 'SeedRefusedError';
}

/** The Postgres type of every column of a row (columns are named like the Prisma fields: no @map). */
type SqlTypes<T> = { readonly [K in keyof T]-?: string };

const userTypes: SqlTypes<UserRow> = { id: 'text', email: 'text', name: 'text', createdAt: 'timestamp(3)' };
const profileTypes: SqlTypes<AffiliateProfileRow> = {
  id: 'text',
  userId: 'text',
  fullName: 'text',
  country: 'text',
  paidCommissions: 'numeric',
  pendingCommissions: 'numeric',
  createdAt: 'timestamp(3)',
};
const codeTypes: SqlTypes<AffiliateCodeRow> = {
  id: 'text',
  affiliateProfileId: 'text',
  code: 'text',
  createdAt: 'timestamp(3)',
};
const accountTypes: SqlTypes<RiseAccountRow> = {
  id: 'text',
  affiliateProfileId: 'text',
  riseId: 'text',
  email: 'text',
  kycStatus: '"RiseWorksKycStatus"',
  kycCompletedAt: 'timestamp(3)',
  metadata: 'jsonb',
  createdAt: 'timestamp(3)',
};
const commissionTypes: SqlTypes<CommissionRow> = {
  id: 'text',
  affiliateProfileId: 'text',
  affiliateCodeId: 'text',
  userId: 'text',
  subscriptionId: 'text',
  grossRevenue: 'numeric',
  discountAmount: 'numeric',
  netRevenue: 'numeric',
  commissionAmount: 'numeric',
  status: '"CommissionStatus"',
  paidAt: 'timestamp(3)',
  createdAt: 'timestamp(3)',
};
const batchTypes: SqlTypes<PaymentBatchRow> = {
  id: 'text',
  batchNumber: 'text',
  paymentCount: 'int',
  totalAmount: 'numeric',
  currency: 'text',
  provider: '"DisbursementProvider"',
  status: '"PaymentBatchStatus"',
  createdBy: 'text',
  executedAt: 'timestamp(3)',
  completedAt: 'timestamp(3)',
  metadata: 'jsonb',
  createdAt: 'timestamp(3)',
};
const transactionTypes: SqlTypes<TransactionRow> = {
  id: 'text',
  batchId: 'text',
  commissionId: 'text',
  liveCommissionId: 'text',
  affiliateProfileId: 'text',
  transactionId: 'text',
  idempotencyKey: 'text',
  providerTxId: 'text',
  provider: '"DisbursementProvider"',
  affiliateRiseAccountId: 'text',
  payeeRiseId: 'text',
  amount: 'numeric',
  currency: 'text',
  status: '"DisbursementTransactionStatus"',
  metadata: 'jsonb',
  createdAt: 'timestamp(3)',
  completedAt: 'timestamp(3)',
};
const ledgerTypes: SqlTypes<MockProviderPaymentRow> = {
  id: 'text',
  idempotencyKey: 'text',
  providerTxId: 'text',
  payeeId: 'text',
  amount: 'numeric',
  currency: 'text',
  sendCalls: 'int',
  createdAt: 'timestamp(3)',
};
const auditTypes: SqlTypes<AuditLogRow> = {
  id: 'text',
  action: 'text',
  status: '"AuditLogStatus"',
  details: 'jsonb',
  batchId: 'text',
  transactionId: 'text',
  commissionId: 'text',
  fromStatus: 'text',
  toStatus: 'text',
  actor: 'text',
  createdAt: 'timestamp(3)',
};

const CHUNK = 5_000;

function asText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  // A timestamp without time zone ignores the "Z": the UTC wall time is stored, as Prisma stores it.
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/**
 * INSERT ... SELECT FROM unnest(one array per column): one statement and one parameter per column
 * for thousands of rows. Prisma's createMany takes about 0.3 ms a row, this about a tenth of that.
 */
async function insertRows<T extends object>(tx: Tx, table: string, types: SqlTypes<T>, rows: readonly T[]) {
  const columns = Object.keys(types) as Array<keyof T & string>;
  const names = columns.map((c) => `"${c}"`).join(', ');
  const arrays = columns.map((c, i) => `$${i + 1}::${types[c]}[]`).join(', ');
  const sql = `INSERT INTO "${table}" (${names}) SELECT * FROM unnest(${arrays})`;
  for (let start = 0; start < rows.length; start += CHUNK) {
    const chunk = rows.slice(start, start + CHUNK);
    await tx.$executeRawUnsafe(sql, ...columns.map((c) => chunk.map((row) => asText(row[c]))));
  }
}

/** Deletes all business data, children before parents. API keys stay. */
export async function deleteBusinessData(tx: Tx): Promise<void> {
  await tx.disbursementAuditLog.deleteMany();
  await tx.riseWorksWebhookEvent.deleteMany();
  await tx.disbursementTransaction.deleteMany();
  await tx.paymentBatch.deleteMany();
  await tx.commission.deleteMany();
  await tx.affiliateCode.deleteMany();
  await tx.affiliateRiseAccount.deleteMany();
  await tx.affiliateProfile.deleteMany();
  await tx.user.deleteMany();
  await tx.mockProviderPayment.deleteMany();
}

/**
 * Writes generated data in one DB transaction: with `reset`, everything is deleted first;
 * without it, a database that already has affiliates is left alone (SeedRefusedError).
 */
export async function writeSeedData(db: Db, data: SeedData, options: { reset: boolean }): Promise<void> {
  await db.$transaction(
    async (tx) => {
      if (options.reset) {
        await deleteBusinessData(tx);
      } else {
        const existing = await tx.affiliateProfile.count();
        if (existing > 0) {
          throw new SeedRefusedError(
            `the database already has ${existing} affiliates; run "payouts seed --reset" to replace all business data`,
          );
        }
      }
      await insertRows(tx, 'User', userTypes, data.users);
      await insertRows(tx, 'AffiliateProfile', profileTypes, data.affiliateProfiles);
      await insertRows(tx, 'AffiliateCode', codeTypes, data.affiliateCodes);
      await insertRows(tx, 'AffiliateRiseAccount', accountTypes, data.riseAccounts);
      await insertRows(tx, 'Commission', commissionTypes, data.commissions);
      await insertRows(tx, 'PaymentBatch', batchTypes, data.paymentBatches);
      await insertRows(tx, 'DisbursementTransaction', transactionTypes, data.transactions);
      await insertRows(tx, 'MockProviderPayment', ledgerTypes, data.mockProviderPayments);
      await insertRows(tx, 'DisbursementAuditLog', auditTypes, data.auditLogs);
    },
    { timeout: 300_000, maxWait: 10_000 },
  );
}
