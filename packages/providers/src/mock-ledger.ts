import { batcherPer, type Db, makeBatcher, Prisma } from '@payouts/db';

// The mock provider's durable ledger (MockProviderPayment): one row per idempotency key it has paid,
// and how many send calls reached it, so anyone can prove that each payment happened once.

export interface MockLedgerRow {
  providerTxId: string;
  amount: Prisma.Decimal;
  sendCalls: number;
  removedAt: Date | null;
}

export interface MockLedgerEntry {
  idempotencyKey: string;
  providerTxId: string;
  payeeId: string;
  /** Decimal string with 2 places. */
  amount: string;
  currency: string;
  /** Send calls that reached the ledger for this key (the paying one included). */
  sendCalls: number;
  /** When the provider removed the payment (a reversal); null while it stands. */
  removedAt: Date | null;
  createdAt: Date;
}

export interface MockLedgerTotals {
  payments: number;
  /** Decimal string with 2 places. */
  total: string;
  sendCalls: number;
}

interface MockSend {
  idempotencyKey: string;
  payeeId: string;
  amount: Prisma.Decimal;
  currency: string;
}

/**
 * Records the payment for a key, or counts one more call for a key already paid, in one statement:
 * concurrent sends with one key still make one payment. Returns the key's row, which holds the first
 * call's amount. Sends of concurrent payments share a statement (one round trip for many).
 */
export async function recordMockPayment(db: Db, payment: MockSend): Promise<MockLedgerRow> {
  return ledgerBatcher(db)(payment);
}

const ledgerBatcher = batcherPer((db: Db) =>
  makeBatcher<MockSend, MockLedgerRow>({
    maxBatch: 100,
    maxInFlight: 2,
    keyOf: (send) => send.idempotencyKey,
    run: (sends) => recordMockPayments(db, sends),
  }),
);

async function recordMockPayments(db: Db, sends: MockSend[]): Promise<MockLedgerRow[]> {
  const rows = await db.sql<Omit<MockLedgerRow, 'amount'> & { amount: string; idempotencyKey: string }>(Prisma.sql`
    INSERT INTO "MockProviderPayment" ("id", "idempotencyKey", "providerTxId", "payeeId", "amount", "currency")
    SELECT gen_random_uuid()::text, i."idempotencyKey", 'mock_' || replace(gen_random_uuid()::text, '-', ''),
           i."payeeId", i."amount", i."currency"
    FROM unnest(${sends.map((s) => s.idempotencyKey)}::text[], ${sends.map((s) => s.payeeId)}::text[],
                ${sends.map((s) => s.amount.toString())}::numeric[], ${sends.map((s) => s.currency)}::text[])
      AS i("idempotencyKey", "payeeId", "amount", "currency")
    ON CONFLICT ("idempotencyKey") DO UPDATE
      SET "sendCalls" = "MockProviderPayment"."sendCalls" + 1, "updatedAt" = now()
    RETURNING "idempotencyKey", "providerTxId", "amount", "sendCalls", "removedAt"`);
  const byKey = new Map(rows.map((row) => [row.idempotencyKey, row]));
  return sends.map((send) => {
    const row = byKey.get(send.idempotencyKey);
    if (!row) throw new Error('mock provider ledger returned no row');
    return {
      providerTxId: row.providerTxId,
      amount: new Prisma.Decimal(row.amount),
      sendCalls: row.sendCalls,
      removedAt: row.removedAt,
    };
  });
}

export async function findMockPayment(db: Db, idempotencyKey: string) {
  return db.mockProviderPayment.findUnique({ where: { idempotencyKey } });
}

/**
 * The provider takes a payment back (Rise: payment.removed). Answers the removed row, or null when no
 * live payment has that id. The system learns of it from a webhook or its look-up, as with Rise.
 */
export async function removeMockPayment(db: Db, providerTxId: string) {
  const removed = await db.mockProviderPayment.updateManyAndReturn({
    where: { providerTxId, removedAt: null },
    data: { removedAt: new Date() },
  });
  return removed[0] ?? null;
}

/** The ledger's totals, for invariant checks: live (not removed) payments, their sum, and send calls received. */
export async function readMockLedger(db: Db): Promise<MockLedgerTotals> {
  const rows = await db.$queryRaw<{ payments: bigint; total: Prisma.Decimal | null; sendCalls: bigint | null }[]>`
    SELECT count(*) FILTER (WHERE "removedAt" IS NULL) AS payments,
           sum("amount") FILTER (WHERE "removedAt" IS NULL) AS total,
           sum("sendCalls") AS "sendCalls"
    FROM "MockProviderPayment"`;
  const row = rows[0];
  return {
    payments: Number(row?.payments ?? 0n),
    total: (row?.total ?? new Prisma.Decimal(0)).toFixed(2),
    sendCalls: Number(row?.sendCalls ?? 0n),
  };
}

/** Every ledger row by idempotency key, for per-payment invariant checks (e.g. against transactions). */
export async function readMockLedgerByKey(db: Db): Promise<Map<string, MockLedgerEntry>> {
  const rows = await db.mockProviderPayment.findMany({ orderBy: { createdAt: 'asc' } });
  return new Map(
    rows.map((row) => [
      row.idempotencyKey,
      {
        idempotencyKey: row.idempotencyKey,
        providerTxId: row.providerTxId,
        payeeId: row.payeeId,
        amount: row.amount.toFixed(2),
        currency: row.currency,
        sendCalls: row.sendCalls,
        removedAt: row.removedAt,
        createdAt: row.createdAt,
      },
    ]),
  );
}
