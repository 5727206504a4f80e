-- Provider webhooks and confirmation.
--   * COMPLETED means the provider accepted a payment. Its later word (a signed webhook, or a look-up by
--     the reconciler when webhooks are lost) is recorded as providerState and confirmedAt.
--   * A completed payment the provider removes becomes REVERSED: it is history, no longer live (its
--     liveCommissionId is cleared), and its commission returns to APPROVED so that it is paid again.
--   * Stored events get a status of their own, so that an event naming a payment still in flight waits
--     and is applied later instead of being lost, and operators can list and replay them.
--   * The mock provider can remove a payment too (MockProviderPayment.removedAt), so that reversals are
--     shown and tested without Rise; a removed payment no longer counts in its ledger's live total.
--   * The index on (status, confirmedAt, completedAt) serves the reconciler's search for unconfirmed payments.

-- AlterEnum
ALTER TYPE "DisbursementTransactionStatus" ADD VALUE 'REVERSED';

-- CreateEnum
CREATE TYPE "ProviderEventStatus" AS ENUM ('RECEIVED', 'WAITING', 'APPLIED', 'IGNORED', 'CONFLICT', 'FAILED');

-- AlterTable
ALTER TABLE "DisbursementTransaction" ADD COLUMN "providerState" TEXT,
ADD COLUMN "confirmedAt" TIMESTAMP(3),
ADD COLUMN "reversedAt" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "RiseWorksWebhookEvent" ADD COLUMN "status" "ProviderEventStatus" NOT NULL DEFAULT 'RECEIVED',
ADD COLUMN "eventCreatedAt" TIMESTAMP(3),
ADD COLUMN "providerPaymentId" TEXT,
ADD COLUMN "attempts" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "lastAttemptAt" TIMESTAMP(3),
ADD COLUMN "requeueCount" INTEGER NOT NULL DEFAULT 0;

-- A transaction is live (holds its commission) exactly when it is neither CANCELLED nor REVERSED (I6).
-- Compared as text: a value added to an enum cannot be named in the transaction that adds it.
ALTER TABLE "DisbursementTransaction" DROP CONSTRAINT "DisbursementTransaction_live_matches_status_check";
ALTER TABLE "DisbursementTransaction" ADD CONSTRAINT "DisbursementTransaction_live_matches_status_check"
    CHECK (("liveCommissionId" IS NULL) = ("status"::text IN ('CANCELLED', 'REVERSED')));

-- AlterTable
ALTER TABLE "MockProviderPayment" ADD COLUMN "removedAt" TIMESTAMP(3);

-- CreateIndex
CREATE INDEX "DisbursementTransaction_status_confirmedAt_completedAt_idx" ON "DisbursementTransaction"("status", "confirmedAt", "completedAt");

-- CreateIndex
CREATE INDEX "RiseWorksWebhookEvent_status_receivedAt_idx" ON "RiseWorksWebhookEvent"("status", "receivedAt");

-- CreateIndex
CREATE INDEX "RiseWorksWebhookEvent_providerPaymentId_idx" ON "RiseWorksWebhookEvent"("providerPaymentId");

-- CreateIndex
CREATE INDEX "RiseWorksWebhookEvent_eventType_receivedAt_idx" ON "RiseWorksWebhookEvent"("eventType", "receivedAt");
