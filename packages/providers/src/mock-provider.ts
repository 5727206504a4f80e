import { setTimeout as sleep } from 'node:timers/promises';
import { type Db, Prisma } from '@payouts/db';
import type {
  PayeeStatus,
  PaymentProvider,
  PaymentReceipt,
  PaymentRequest,
  PaymentStatus,
} from './payment-provider.ts';
import { ProviderPermanentError } from './provider-errors.ts';

export interface MockProviderOptions {
  db: Db;
  latencyMs?: number;
}

interface LedgerRow {
  providerTxId: string;
  amount: Prisma.Decimal;
  sendCalls: number;
}

/**
 * A deterministic provider that keeps a durable ledger (MockProviderPayment): one row per
 * idempotency key it has paid, and how many send calls reached it, so anyone can prove that each
 * payment happened once.
 */
export function makeMockProvider({ db, latencyMs = 0 }: MockProviderOptions): PaymentProvider {
  const wait = () => (latencyMs > 0 ? sleep(latencyMs) : Promise.resolve());

  return {
    name: 'MOCK',

    async sendPayment(request: PaymentRequest): Promise<PaymentReceipt> {
      await wait();
      const amount = new Prisma.Decimal(request.amount);
      if (!amount.isPositive()) throw new ProviderPermanentError(`amount must be positive, got ${request.amount}`);
      // Insert-or-count in one statement: concurrent sends with one key still make one payment.
      const rows = await db.$queryRaw<LedgerRow[]>`
        INSERT INTO "MockProviderPayment" ("id", "idempotencyKey", "providerTxId", "payeeId", "amount", "currency")
        VALUES (gen_random_uuid()::text, ${request.idempotencyKey}, 'mock_' || replace(gen_random_uuid()::text, '-', ''),
                ${request.payeeId}, ${amount}::numeric, ${request.currency})
        ON CONFLICT ("idempotencyKey") DO UPDATE
          SET "sendCalls" = "MockProviderPayment"."sendCalls" + 1, "updatedAt" = now()
        RETURNING "providerTxId", "amount", "sendCalls"`;
      const row = rows[0];
      if (!row) throw new Error('mock provider ledger returned no row');
      if (!row.amount.equals(amount)) {
        throw new ProviderPermanentError(
          `idempotency key ${request.idempotencyKey} was used for ${row.amount.toFixed(2)}, not ${amount.toFixed(2)}`,
        );
      }
      return { providerTxId: row.providerTxId };
    },

    async getPaymentStatus(idempotencyKey: string): Promise<PaymentStatus> {
      await wait();
      const row = await db.mockProviderPayment.findUnique({ where: { idempotencyKey } });
      return row ? { state: 'PAID', providerTxId: row.providerTxId } : { state: 'NOT_FOUND' };
    },

    async getPayeeStatus(payeeId: string): Promise<PayeeStatus> {
      await wait();
      return { payeeId, kycStatus: 'APPROVED', canReceivePayments: true };
    },
  };
}

/** The ledger's totals, for invariant checks: payments made, their sum, and send calls received. */
export async function readMockLedger(db: Db) {
  const rows = await db.$queryRaw<{ payments: bigint; total: Prisma.Decimal | null; sendCalls: bigint | null }[]>`
    SELECT count(*) AS payments, sum("amount") AS total, sum("sendCalls") AS "sendCalls" FROM "MockProviderPayment"`;
  const row = rows[0];
  return {
    payments: Number(row?.payments ?? 0n),
    total: (row?.total ?? new Prisma.Decimal(0)).toFixed(2),
    sendCalls: Number(row?.sendCalls ?? 0n),
  };
}
