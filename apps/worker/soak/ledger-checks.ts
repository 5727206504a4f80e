import type { Db } from '@payouts/db';
import type { SoakSandbox } from './rise-sandbox.ts';

// The provider's ledger against Postgres, payment by payment and to the cent: every live payment at the
// provider is exactly one COMPLETED transaction (same idempotency key, provider id, payee and amount),
// and the reverse.

export interface LedgerCheck {
  /** Live payments at the provider, and their total as a decimal string ("1234.50"). */
  payments: number;
  total: string;
  problems: string[];
}

const shown = 10;

/** The mock provider's ledger (MockProviderPayment) against the COMPLETED transactions. */
export async function checkMockLedger(db: Db): Promise<LedgerCheck> {
  const mismatches = await db.$queryRaw<Record<string, unknown>[]>`
    SELECT coalesce(p."idempotencyKey", t."idempotencyKey") AS "key", p."providerTxId" AS "ledgerId",
           t."providerTxId" AS "recordedId", p."amount"::text AS "ledgerAmount", t."amount"::text AS "recordedAmount",
           p."payeeId" AS "ledgerPayee", t."payeeRiseId" AS "recordedPayee"
    FROM (SELECT * FROM "MockProviderPayment" WHERE "removedAt" IS NULL) p
    FULL JOIN (SELECT * FROM "DisbursementTransaction" WHERE "status" = 'COMPLETED') t
      ON t."idempotencyKey" = p."idempotencyKey"
    WHERE p."id" IS NULL OR t."id" IS NULL OR p."amount" <> t."amount" OR p."providerTxId" <> t."providerTxId"
       OR p."payeeId" <> t."payeeRiseId"`;
  const [totals] = await db.$queryRaw<{ payments: number; ledger: string; completed: string }[]>`
    SELECT (SELECT count(*)::int FROM "MockProviderPayment" WHERE "removedAt" IS NULL) AS "payments",
           (SELECT coalesce(sum("amount"), 0)::numeric(20, 2)::text FROM "MockProviderPayment" WHERE "removedAt" IS NULL) AS "ledger",
           (SELECT coalesce(sum("amount"), 0)::numeric(20, 2)::text FROM "DisbursementTransaction" WHERE "status" = 'COMPLETED') AS "completed"`;
  const problems = mismatches.slice(0, shown).map((m) => `ledger and Postgres disagree: ${JSON.stringify(m)}`);
  if (mismatches.length > shown) problems.push(`... and ${mismatches.length - shown} more disagreements`);
  if (totals && totals.ledger !== totals.completed) {
    problems.push(`ledger total ${totals.ledger} != COMPLETED total ${totals.completed}`);
  }
  return { payments: totals?.payments ?? 0, total: totals?.ledger ?? '0.00', problems };
}

/** The idempotency key the engine wrote at the end of a Rise invoice description: `... [key]`. */
function keyOfDescription(description: string): string | undefined {
  return /\[([^\]]+)\]\s*$/.exec(description)?.[1];
}

function cents(amount: string): bigint {
  const match = /^(\d+)\.(\d{2})$/.exec(amount);
  if (!match) throw new Error(`not an amount with two decimals: ${amount}`);
  return BigInt(match[1] ?? '0') * 100n + BigInt(match[2] ?? '0');
}

export function decimalOfCents(value: bigint): string {
  return `${value / 100n}.${String(value % 100n).padStart(2, '0')}`;
}

/** The Rise sandbox's ledger (GET /sandbox/ledger) against the COMPLETED transactions. */
export async function checkRiseLedger(db: Db, sandbox: SoakSandbox): Promise<LedgerCheck> {
  const ledger = await sandbox.ledger();
  const live = ledger.payments.filter((p) => p.state.toLowerCase() !== 'removed');
  const completed = await db.disbursementTransaction.findMany({
    where: { status: 'COMPLETED' },
    select: { id: true, idempotencyKey: true, providerTxId: true, payeeRiseId: true, amount: true },
  });
  const problems: string[] = [];
  const byKey = new Map<string, (typeof live)[number][]>();
  let ledgerCents = 0n;
  for (const payment of live) {
    if (!Number.isSafeInteger(payment.amount_cents))
      problems.push(`Rise payment ${payment.nanoid}: amount not in cents`);
    ledgerCents += BigInt(payment.amount_cents);
    const key = keyOfDescription(payment.invoice_description) ?? `(none: ${payment.nanoid})`;
    byKey.set(key, [...(byKey.get(key) ?? []), payment]);
  }
  for (const [key, payments] of byKey) {
    if (payments.length > 1) problems.push(`key ${key} paid ${payments.length} times at Rise`);
  }
  let completedCents = 0n;
  const recordedKeys = new Set<string>();
  for (const t of completed) {
    recordedKeys.add(t.idempotencyKey);
    const amount = cents(t.amount.toFixed(2));
    completedCents += amount;
    const [payment] = byKey.get(t.idempotencyKey) ?? [];
    if (!payment) problems.push(`COMPLETED transaction ${t.id} (key ${t.idempotencyKey}) has no live payment at Rise`);
    else if (
      payment.nanoid !== t.providerTxId ||
      payment.recipient !== t.payeeRiseId ||
      BigInt(payment.amount_cents) !== amount
    ) {
      problems.push(
        `transaction ${t.id} and Rise payment ${payment.nanoid} disagree: ${JSON.stringify({ t, payment })}`,
      );
    }
  }
  for (const [key, payments] of byKey) {
    if (!recordedKeys.has(key))
      problems.push(`Rise payment ${payments[0]?.nanoid} (key ${key}) is no COMPLETED transaction`);
  }
  if (BigInt(ledger.totals.live_amount_cents) !== ledgerCents) {
    problems.push(`sandbox total ${ledger.totals.live_amount_cents} != its live payments' ${ledgerCents}`);
  }
  if (ledgerCents !== completedCents) {
    problems.push(`ledger total ${decimalOfCents(ledgerCents)} != COMPLETED total ${decimalOfCents(completedCents)}`);
  }
  const limited = problems.slice(0, shown);
  if (problems.length > shown) limited.push(`... and ${problems.length - shown} more`);
  return { payments: live.length, total: decimalOfCents(ledgerCents), problems: limited };
}
