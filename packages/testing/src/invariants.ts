import type { Db } from '@payouts/db';

/**
 * DESIGN.md's invariants I1, I2, I5 and I6 as SQL over the system of record and the provider's
 * ledger. Returns every violation found; an empty list means they hold.
 */
export async function findInvariantViolations(
  db: Db,
  options: {
    /** The provider's ledger total of live payments, for a provider other than the mock (whose table is read). */
    providerLedgerTotal?: string;
  } = {},
): Promise<string[]> {
  const violations: string[] = [];
  const rows = async (label: string, query: Promise<unknown[]>) => {
    for (const row of await query) violations.push(`${label}: ${JSON.stringify(row)}`);
  };

  // I1: PAID <=> exactly one COMPLETED transaction; one provider payment per commission.
  await rows(
    'I1 commission PAID without exactly one COMPLETED transaction (or the reverse)',
    db.$queryRaw`
      SELECT c."id", c."status", count(t."id")::int AS "completed"
      FROM "Commission" c LEFT JOIN "DisbursementTransaction" t ON t."commissionId" = c."id" AND t."status" = 'COMPLETED'
      -- commissions PAID before this system (imported history) never had a transaction
      WHERE EXISTS (SELECT 1 FROM "DisbursementTransaction" x WHERE x."commissionId" = c."id")
      GROUP BY c."id", c."status"
      HAVING (c."status" = 'PAID') <> (count(t."id") = 1) OR count(t."id") > 1`,
  );
  await rows(
    'I1 commission paid more than once at the provider',
    db.$queryRaw`
      SELECT t."commissionId", count(*)::int AS "payments"
      FROM "MockProviderPayment" p JOIN "DisbursementTransaction" t ON t."idempotencyKey" = p."idempotencyKey"
      WHERE p."removedAt" IS NULL
      GROUP BY t."commissionId" HAVING count(*) > 1`,
  );

  // I2: ledger total = COMPLETED transactions = PAID commissions, to the cent.
  await rows(
    'I2 totals disagree',
    db.$queryRaw`
      SELECT l."total"::text AS "ledger", t."total"::text AS "completed", c."total"::text AS "paid"
      FROM (SELECT coalesce(${options.providerLedgerTotal ?? null}::numeric, sum("amount"), 0) AS "total"
            FROM "MockProviderPayment" WHERE "removedAt" IS NULL) l,
           (SELECT coalesce(sum("amount"), 0) AS "total" FROM "DisbursementTransaction" WHERE "status" = 'COMPLETED') t,
           (SELECT coalesce(sum(c."commissionAmount"), 0) AS "total" FROM "Commission" c
            WHERE c."status" = 'PAID'
              AND EXISTS (SELECT 1 FROM "DisbursementTransaction" x WHERE x."commissionId" = c."id")) c
      WHERE l."total" <> t."total" OR t."total" <> c."total"`,
  );

  // I5: the current state of every batch, transaction and paid commission was reached through an audited change.
  await rows(
    'I5 batch without an audit row for its current status',
    db.$queryRaw`
      SELECT b."id", b."status" FROM "PaymentBatch" b
      WHERE NOT EXISTS (SELECT 1 FROM "DisbursementAuditLog" a
                        WHERE a."batchId" = b."id" AND a."transactionId" IS NULL AND a."toStatus" = b."status"::text)`,
  );
  await rows(
    'I5 transaction without an audit row for its current status',
    db.$queryRaw`
      SELECT t."id", t."status" FROM "DisbursementTransaction" t
      WHERE NOT EXISTS (SELECT 1 FROM "DisbursementAuditLog" a
                        WHERE a."transactionId" = t."id" AND a."toStatus" = t."status"::text)`,
  );
  await rows(
    'I5 PAID commission without a commission.paid audit row',
    db.$queryRaw`
      SELECT c."id" FROM "Commission" c
      WHERE c."status" = 'PAID' AND EXISTS (SELECT 1 FROM "DisbursementTransaction" t WHERE t."commissionId" = c."id")
        AND NOT EXISTS (SELECT 1 FROM "DisbursementAuditLog" a WHERE a."commissionId" = c."id" AND a."action" = 'commission.paid')`,
  );

  // I6: at most one live transaction per commission (CANCELLED and REVERSED ones are history).
  await rows(
    'I6 commission in more than one live transaction',
    db.$queryRaw`
      SELECT "commissionId", count(*)::int AS "live" FROM "DisbursementTransaction"
      WHERE "status" NOT IN ('CANCELLED', 'REVERSED') GROUP BY "commissionId" HAVING count(*) > 1`,
  );
  await rows(
    'I6 live transaction without its liveCommissionId, or history holding one',
    db.$queryRaw`
      SELECT "id", "status" FROM "DisbursementTransaction"
      WHERE ("status" IN ('CANCELLED', 'REVERSED')) <> ("liveCommissionId" IS NULL)`,
  );
  // Reversals: a REVERSED transaction's commission is not PAID by it; the affiliate's paid total is the
  // sum of its COMPLETED transactions' amounts plus what it was paid before this system.
  await rows(
    'I1 REVERSED transaction without its reversal audit rows',
    db.$queryRaw`
      SELECT t."id" FROM "DisbursementTransaction" t
      WHERE t."status" = 'REVERSED'
        AND NOT EXISTS (SELECT 1 FROM "DisbursementAuditLog" a
                        WHERE a."transactionId" = t."id" AND a."action" = 'commission.reversed')`,
  );
  return violations;
}
