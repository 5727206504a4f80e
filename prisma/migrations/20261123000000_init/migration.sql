-- Payouts: initial schema.
--
-- Beyond the seed's models this adds what exactly-once payment needs:
--   * DisbursementTransactionStatus PROCESSING (a claimed payment) and UNKNOWN (the provider may have paid:
--     look the key up before paying again).
--   * DisbursementTransaction."idempotencyKey": sent to the provider, stable across retries and restarts.
--   * DisbursementTransaction."claimedAt": the claim's lease and fencing token.
--   * DisbursementTransaction."liveCommissionId" in place of the seed's unique "commissionId": it equals
--     "commissionId" while the transaction is live and is NULL once CANCELLED, so its unique index keeps a
--     commission in at most one live transaction while a cancelled one releases it for a later batch.
--   * ApiKey (hashed, role-bearing keys) and MockProviderPayment (the mock provider's durable ledger).

-- CreateEnum
CREATE TYPE "CommissionStatus" AS ENUM ('PENDING', 'APPROVED', 'PAID', 'CANCELLED');

-- CreateEnum
CREATE TYPE "RiseWorksKycStatus" AS ENUM ('PENDING', 'SUBMITTED', 'APPROVED', 'REJECTED', 'EXPIRED');

-- CreateEnum
CREATE TYPE "DisbursementProvider" AS ENUM ('MOCK', 'RISE');

-- CreateEnum
CREATE TYPE "PaymentBatchStatus" AS ENUM ('PENDING', 'QUEUED', 'PROCESSING', 'COMPLETED', 'FAILED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "DisbursementTransactionStatus" AS ENUM ('PENDING', 'PROCESSING', 'UNKNOWN', 'COMPLETED', 'FAILED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "AuditLogStatus" AS ENUM ('SUCCESS', 'FAILURE', 'WARNING', 'INFO');

-- CreateEnum
CREATE TYPE "ApiKeyRole" AS ENUM ('admin', 'operator', 'scheduler');

-- CreateTable
CREATE TABLE "User" (
    "id" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AffiliateProfile" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "fullName" TEXT NOT NULL,
    "country" TEXT NOT NULL,
    "paidCommissions" DECIMAL(18,2) NOT NULL DEFAULT 0,
    "pendingCommissions" DECIMAL(18,2) NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AffiliateProfile_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AffiliateCode" (
    "id" TEXT NOT NULL,
    "affiliateProfileId" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AffiliateCode_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Commission" (
    "id" TEXT NOT NULL,
    "affiliateProfileId" TEXT NOT NULL,
    "affiliateCodeId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "subscriptionId" TEXT,
    "grossRevenue" DECIMAL(18,2) NOT NULL,
    "discountAmount" DECIMAL(18,2) NOT NULL,
    "netRevenue" DECIMAL(18,2) NOT NULL,
    "commissionAmount" DECIMAL(18,2) NOT NULL,
    "status" "CommissionStatus" NOT NULL DEFAULT 'PENDING',
    "paidAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Commission_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AffiliateRiseAccount" (
    "id" TEXT NOT NULL,
    "affiliateProfileId" TEXT NOT NULL,
    "riseId" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "kycStatus" "RiseWorksKycStatus" NOT NULL DEFAULT 'PENDING',
    "kycCompletedAt" TIMESTAMP(3),
    "lastSyncAt" TIMESTAMP(3),
    "metadata" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AffiliateRiseAccount_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PaymentBatch" (
    "id" TEXT NOT NULL,
    "batchNumber" TEXT NOT NULL,
    "paymentCount" INTEGER NOT NULL DEFAULT 0,
    "totalAmount" DECIMAL(18,2) NOT NULL DEFAULT 0,
    "currency" TEXT NOT NULL DEFAULT 'USD',
    "provider" "DisbursementProvider" NOT NULL,
    "status" "PaymentBatchStatus" NOT NULL DEFAULT 'PENDING',
    "createdBy" TEXT,
    "scheduledAt" TIMESTAMP(3),
    "executedAt" TIMESTAMP(3),
    "completedAt" TIMESTAMP(3),
    "failedAt" TIMESTAMP(3),
    "errorMessage" TEXT,
    "metadata" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PaymentBatch_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DisbursementTransaction" (
    "id" TEXT NOT NULL,
    "batchId" TEXT NOT NULL,
    "commissionId" TEXT NOT NULL,
    "liveCommissionId" TEXT,
    "affiliateProfileId" TEXT NOT NULL,
    "transactionId" TEXT NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "providerTxId" TEXT,
    "provider" "DisbursementProvider" NOT NULL,
    "affiliateRiseAccountId" TEXT,
    "payeeRiseId" TEXT,
    "amount" DECIMAL(18,2) NOT NULL,
    "amountRiseUnits" BIGINT,
    "currency" TEXT NOT NULL DEFAULT 'USD',
    "status" "DisbursementTransactionStatus" NOT NULL DEFAULT 'PENDING',
    "retryCount" INTEGER NOT NULL DEFAULT 0,
    "lastRetryAt" TIMESTAMP(3),
    "claimedAt" TIMESTAMP(3),
    "errorMessage" TEXT,
    "metadata" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completedAt" TIMESTAMP(3),
    "failedAt" TIMESTAMP(3),

    CONSTRAINT "DisbursementTransaction_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DisbursementAuditLog" (
    "id" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "status" "AuditLogStatus" NOT NULL,
    "details" JSONB,
    "transactionId" TEXT,
    "batchId" TEXT,
    "commissionId" TEXT,
    "fromStatus" TEXT,
    "toStatus" TEXT,
    "actor" TEXT,
    "ipAddress" TEXT,
    "userAgent" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DisbursementAuditLog_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RiseWorksWebhookEvent" (
    "id" TEXT NOT NULL,
    "providerEventId" TEXT NOT NULL,
    "eventType" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "signature" TEXT,
    "transactionId" TEXT,
    "processed" BOOLEAN NOT NULL DEFAULT false,
    "processedAt" TIMESTAMP(3),
    "errorMessage" TEXT,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RiseWorksWebhookEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApiKey" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "role" "ApiKeyRole" NOT NULL,
    "keyHash" TEXT NOT NULL,
    "keyPrefix" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "ApiKey_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "MockProviderPayment" (
    "id" TEXT NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "providerTxId" TEXT NOT NULL,
    "payeeId" TEXT NOT NULL,
    "amount" DECIMAL(18,2) NOT NULL,
    "currency" TEXT NOT NULL,
    "sendCalls" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "MockProviderPayment_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");

-- CreateIndex
CREATE UNIQUE INDEX "AffiliateProfile_userId_key" ON "AffiliateProfile"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "AffiliateCode_code_key" ON "AffiliateCode"("code");

-- CreateIndex
CREATE INDEX "AffiliateCode_affiliateProfileId_idx" ON "AffiliateCode"("affiliateProfileId");

-- CreateIndex
CREATE INDEX "Commission_status_affiliateProfileId_idx" ON "Commission"("status", "affiliateProfileId");

-- CreateIndex
CREATE INDEX "Commission_affiliateProfileId_createdAt_idx" ON "Commission"("affiliateProfileId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "AffiliateRiseAccount_affiliateProfileId_key" ON "AffiliateRiseAccount"("affiliateProfileId");

-- CreateIndex
CREATE UNIQUE INDEX "AffiliateRiseAccount_riseId_key" ON "AffiliateRiseAccount"("riseId");

-- CreateIndex
CREATE UNIQUE INDEX "PaymentBatch_batchNumber_key" ON "PaymentBatch"("batchNumber");

-- CreateIndex
CREATE INDEX "PaymentBatch_status_createdAt_idx" ON "PaymentBatch"("status", "createdAt");

-- CreateIndex
CREATE INDEX "PaymentBatch_createdAt_idx" ON "PaymentBatch"("createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "DisbursementTransaction_liveCommissionId_key" ON "DisbursementTransaction"("liveCommissionId");

-- CreateIndex
CREATE UNIQUE INDEX "DisbursementTransaction_transactionId_key" ON "DisbursementTransaction"("transactionId");

-- CreateIndex
CREATE UNIQUE INDEX "DisbursementTransaction_idempotencyKey_key" ON "DisbursementTransaction"("idempotencyKey");

-- CreateIndex
CREATE INDEX "DisbursementTransaction_batchId_status_idx" ON "DisbursementTransaction"("batchId", "status");

-- CreateIndex
CREATE INDEX "DisbursementTransaction_commissionId_idx" ON "DisbursementTransaction"("commissionId");

-- CreateIndex
CREATE INDEX "DisbursementTransaction_status_claimedAt_idx" ON "DisbursementTransaction"("status", "claimedAt");

-- CreateIndex
CREATE INDEX "DisbursementTransaction_affiliateProfileId_idx" ON "DisbursementTransaction"("affiliateProfileId");

-- CreateIndex
CREATE INDEX "DisbursementAuditLog_batchId_createdAt_idx" ON "DisbursementAuditLog"("batchId", "createdAt");

-- CreateIndex
CREATE INDEX "DisbursementAuditLog_transactionId_createdAt_idx" ON "DisbursementAuditLog"("transactionId", "createdAt");

-- CreateIndex
CREATE INDEX "DisbursementAuditLog_commissionId_idx" ON "DisbursementAuditLog"("commissionId");

-- CreateIndex
CREATE INDEX "DisbursementAuditLog_action_createdAt_idx" ON "DisbursementAuditLog"("action", "createdAt");

-- CreateIndex
CREATE INDEX "DisbursementAuditLog_createdAt_idx" ON "DisbursementAuditLog"("createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "RiseWorksWebhookEvent_providerEventId_key" ON "RiseWorksWebhookEvent"("providerEventId");

-- CreateIndex
CREATE INDEX "RiseWorksWebhookEvent_processed_receivedAt_idx" ON "RiseWorksWebhookEvent"("processed", "receivedAt");

-- CreateIndex
CREATE INDEX "RiseWorksWebhookEvent_transactionId_idx" ON "RiseWorksWebhookEvent"("transactionId");

-- CreateIndex
CREATE UNIQUE INDEX "ApiKey_keyHash_key" ON "ApiKey"("keyHash");

-- CreateIndex
CREATE UNIQUE INDEX "MockProviderPayment_idempotencyKey_key" ON "MockProviderPayment"("idempotencyKey");

-- CreateIndex
CREATE UNIQUE INDEX "MockProviderPayment_providerTxId_key" ON "MockProviderPayment"("providerTxId");

-- AddForeignKey
ALTER TABLE "AffiliateProfile" ADD CONSTRAINT "AffiliateProfile_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AffiliateCode" ADD CONSTRAINT "AffiliateCode_affiliateProfileId_fkey" FOREIGN KEY ("affiliateProfileId") REFERENCES "AffiliateProfile"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Commission" ADD CONSTRAINT "Commission_affiliateProfileId_fkey" FOREIGN KEY ("affiliateProfileId") REFERENCES "AffiliateProfile"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Commission" ADD CONSTRAINT "Commission_affiliateCodeId_fkey" FOREIGN KEY ("affiliateCodeId") REFERENCES "AffiliateCode"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AffiliateRiseAccount" ADD CONSTRAINT "AffiliateRiseAccount_affiliateProfileId_fkey" FOREIGN KEY ("affiliateProfileId") REFERENCES "AffiliateProfile"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DisbursementTransaction" ADD CONSTRAINT "DisbursementTransaction_batchId_fkey" FOREIGN KEY ("batchId") REFERENCES "PaymentBatch"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DisbursementTransaction" ADD CONSTRAINT "DisbursementTransaction_commissionId_fkey" FOREIGN KEY ("commissionId") REFERENCES "Commission"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DisbursementTransaction" ADD CONSTRAINT "DisbursementTransaction_affiliateProfileId_fkey" FOREIGN KEY ("affiliateProfileId") REFERENCES "AffiliateProfile"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DisbursementTransaction" ADD CONSTRAINT "DisbursementTransaction_affiliateRiseAccountId_fkey" FOREIGN KEY ("affiliateRiseAccountId") REFERENCES "AffiliateRiseAccount"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DisbursementAuditLog" ADD CONSTRAINT "DisbursementAuditLog_transactionId_fkey" FOREIGN KEY ("transactionId") REFERENCES "DisbursementTransaction"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DisbursementAuditLog" ADD CONSTRAINT "DisbursementAuditLog_batchId_fkey" FOREIGN KEY ("batchId") REFERENCES "PaymentBatch"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DisbursementAuditLog" ADD CONSTRAINT "DisbursementAuditLog_commissionId_fkey" FOREIGN KEY ("commissionId") REFERENCES "Commission"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RiseWorksWebhookEvent" ADD CONSTRAINT "RiseWorksWebhookEvent_transactionId_fkey" FOREIGN KEY ("transactionId") REFERENCES "DisbursementTransaction"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- Constraints schema.prisma cannot express. They guard invariants the code already keeps, so a bug
-- or a hand-written UPDATE fails loudly instead of corrupting money.

-- A transaction is live (holds its commission) exactly when it is not CANCELLED (DESIGN.md I6).
ALTER TABLE "DisbursementTransaction" ADD CONSTRAINT "DisbursementTransaction_live_matches_status_check"
    CHECK (("liveCommissionId" IS NULL) = ("status" = 'CANCELLED'));
ALTER TABLE "DisbursementTransaction" ADD CONSTRAINT "DisbursementTransaction_live_is_commission_check"
    CHECK ("liveCommissionId" IS NULL OR "liveCommissionId" = "commissionId");

-- Amounts: a payment moves a positive amount; nothing here is negative.
ALTER TABLE "DisbursementTransaction" ADD CONSTRAINT "DisbursementTransaction_amount_positive_check" CHECK ("amount" > 0);
ALTER TABLE "Commission" ADD CONSTRAINT "Commission_amounts_not_negative_check"
    CHECK ("commissionAmount" >= 0 AND "grossRevenue" >= 0 AND "discountAmount" >= 0 AND "netRevenue" >= 0);
ALTER TABLE "PaymentBatch" ADD CONSTRAINT "PaymentBatch_totalAmount_not_negative_check" CHECK ("totalAmount" >= 0);
ALTER TABLE "MockProviderPayment" ADD CONSTRAINT "MockProviderPayment_amount_positive_check" CHECK ("amount" > 0);
