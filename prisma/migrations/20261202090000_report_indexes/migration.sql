-- Reports: payments by payout date (completedAt, or createdAt while unpaid) and an affiliate's history newest first.
DROP INDEX "DisbursementTransaction_affiliateProfileId_idx";
CREATE INDEX "DisbursementTransaction_affiliateProfileId_createdAt_idx" ON "DisbursementTransaction"("affiliateProfileId", "createdAt");
CREATE INDEX "DisbursementTransaction_completedAt_idx" ON "DisbursementTransaction"("completedAt");
CREATE INDEX "DisbursementTransaction_createdAt_idx" ON "DisbursementTransaction"("createdAt");
