-- Authority lives in Postgres: a job in Redis is a hint, never a permission. Workers act only on what
-- these rows record, with the actor they name.
--   * PaymentBatch.queuedBy: who moved the batch to QUEUED (API caller or nightly run); the execute-batch
--     job audits its execution as this actor, not as whatever its payload says.
--   * JobRequest: work an API caller asked for (batch creation, account sync, a nightly run now), recorded
--     before its job is enqueued; the worker takes the actor and parameters from here, and a creation
--     request completes once, in the DB transaction that writes its batches.
--   * PayoutSchedule: the nightly payout's schedule and whether it executes what it creates, changed only
--     through the API (audited); the queue's job scheduler is a copy that a worker restores from here.

-- AlterTable
ALTER TABLE "PaymentBatch" ADD COLUMN "queuedBy" TEXT;

-- CreateTable
CREATE TABLE "JobRequest" (
    "id" TEXT NOT NULL,
    "queue" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "params" JSONB NOT NULL DEFAULT '{}',
    "result" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completedAt" TIMESTAMP(3),

    CONSTRAINT "JobRequest_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "JobRequest_createdAt_idx" ON "JobRequest"("createdAt");

-- CreateTable
CREATE TABLE "PayoutSchedule" (
    "id" TEXT NOT NULL,
    "cron" TEXT NOT NULL,
    "timeZone" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL,
    "autoExecute" BOOLEAN NOT NULL,
    "updatedBy" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PayoutSchedule_pkey" PRIMARY KEY ("id")
);
