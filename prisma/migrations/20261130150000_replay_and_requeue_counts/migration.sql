-- A payment's replay round and requeue count were derived on every use: the round by counting
-- payment.replayed audit rows (and parsing the idempotency key), the requeue count by counting
-- payment.requeued rows for each unfinished payment the reconciler looked at. They are now columns,
-- bumped in the same statement as the change they count; existing rows are backfilled from the audit trail.

-- AlterTable
ALTER TABLE "DisbursementTransaction" ADD COLUMN "replayRound" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "requeueCount" INTEGER NOT NULL DEFAULT 0;

-- Backfill
UPDATE "DisbursementTransaction" t
SET "replayRound" = a."replays", "requeueCount" = a."requeues"
FROM (
  SELECT "transactionId",
         count(*) FILTER (WHERE "action" = 'payment.replayed')::int AS "replays",
         count(*) FILTER (WHERE "action" = 'payment.requeued')::int AS "requeues"
  FROM "DisbursementAuditLog"
  WHERE "transactionId" IS NOT NULL AND "action" IN ('payment.replayed', 'payment.requeued')
  GROUP BY "transactionId"
) a
WHERE a."transactionId" = t."id";
