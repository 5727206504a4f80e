import { ineligibleReasons } from '@payouts/core';
import {
  AuditLogStatus,
  CommissionStatus,
  DisbursementProvider,
  DisbursementTransactionStatus,
  PaymentBatchStatus,
} from '@payouts/db';
import { z } from 'zod';
import { amount, count, dateTime, nextCursor } from './response-fields.ts';
import { kycStatus } from './riseworks.responses.ts';

// Success bodies of batches.routes.ts and batch-lifecycle.routes.ts. The pieces are exported so that an
// answer that grows extends them (`.extend()`, or a new field in batchDetailFields) instead of repeating them.

export const batchStatus = z.enum(PaymentBatchStatus);
export const transactionStatus = z.enum(DisbursementTransactionStatus);
export const provider = z.enum(DisbursementProvider);

/** The fingerprint of what a preview would pay; batch creation given it refuses a plan that has changed. */
export const planHash = z
  .string()
  .regex(/^[0-9a-f]{64}$/)
  .describe('SHA-256 of what would be paid (hex)');

/** A batch as creation answers it. */
export const createdBatch = z.object({
  id: z.string(),
  batchNumber: z.string(),
  paymentCount: count,
  totalAmount: amount,
});

/** A batch in the list. */
export const batchSummary = z.object({
  id: z.string(),
  batchNumber: z.string(),
  status: batchStatus,
  provider,
  paymentCount: count,
  totalAmount: amount,
  currency: z.string(),
  createdBy: z.string().nullable(),
  createdAt: dateTime,
  executedAt: dateTime.nullable(),
  completedAt: dateTime.nullable(),
  failedAt: dateTime.nullable(),
});

/** How many of a batch's transactions are in each status (every status, 0 when none). */
export const transactionCounts = z.object(
  Object.fromEntries(Object.values(DisbursementTransactionStatus).map((status) => [status, count])) as Record<
    DisbursementTransactionStatus,
    typeof count
  >,
);

/** The commission a payment pays. */
export const transactionCommission = z.object({
  id: z.string(),
  amount,
  status: z.enum(CommissionStatus),
  createdAt: dateTime,
  paidAt: dateTime.nullable(),
});

/** The payout account a payment goes to; null when the affiliate had none when the batch was made. */
export const transactionPayoutAccount = z.object({ id: z.string(), riseId: z.string(), email: z.string(), kycStatus });

/** One payment of a batch. */
export const batchTransaction = z.object({
  id: z.string(),
  transactionId: z.string().describe('The payment reference: batch number and position'),
  commissionId: z.string(),
  affiliateProfileId: z.string(),
  payeeRiseId: z.string().nullable(),
  amount,
  currency: z.string(),
  status: transactionStatus,
  providerTxId: z.string().nullable(),
  retryCount: count,
  errorMessage: z.string().nullable(),
  createdAt: dateTime,
  completedAt: dateTime.nullable(),
  failedAt: dateTime.nullable(),
  providerState: z.string().nullable().describe("The payment's state at the provider, as its latest word said"),
  confirmedAt: dateTime.nullable().describe('When the provider confirmed the payment (webhook or look-up)'),
  reversedAt: dateTime.nullable().describe('When the provider removed the payment (status REVERSED)'),
  commission: transactionCommission,
  payoutAccount: transactionPayoutAccount.nullable(),
});

/** What a batch that ran to the end (COMPLETED or FAILED) paid and what failed. */
export const executionSummary = z.object({
  success: z.boolean().describe('Every payment was made'),
  successCount: count,
  failedCount: count,
  errors: z.array(z.string()).describe('One line per failed payment: its reference and why'),
  totalAmount: amount.describe('The sum of the COMPLETED payments'),
});

/** One of the batch's latest audit rows (the whole trail: GET /audit-logs?batchId=). */
export const batchAuditEntry = z.object({
  id: z.string(),
  action: z.string(),
  status: z.enum(AuditLogStatus),
  transactionId: z.string().nullable(),
  fromStatus: z.string().nullable(),
  toStatus: z.string().nullable(),
  actor: z.string().nullable(),
  createdAt: dateTime,
});

/** The fields of one batch (GET /batches/:batchId); `z.object(batchDetailFields).extend()` adds more. */
export const batchDetailFields = {
  id: z.string(),
  batchNumber: z.string(),
  status: batchStatus,
  provider,
  currency: z.string(),
  paymentCount: count,
  totalAmount: amount,
  createdBy: z.string().nullable(),
  queuedBy: z.string().nullable().describe('Who asked for the execution'),
  createdAt: dateTime,
  scheduledAt: dateTime.nullable(),
  executedAt: dateTime.nullable(),
  completedAt: dateTime.nullable(),
  failedAt: dateTime.nullable(),
  errorMessage: z.string().nullable(),
  counts: transactionCounts,
  progress: z.object({
    settled: count.describe('Transactions COMPLETED, FAILED, CANCELLED or REVERSED'),
    total: count,
  }),
  summary: executionSummary
    .nullable()
    .describe('Once the batch is COMPLETED or FAILED; null before and when CANCELLED'),
  transactions: z.array(batchTransaction),
  auditLogs: z.array(batchAuditEntry).describe('The newest audit rows of the batch, newest first'),
};

export const batchDetail = z.object(batchDetailFields);

export const batchAnswer = z.object({ batch: batchDetail }).describe('The batch');

export const batchListAnswer = z.object({ batches: z.array(batchSummary), nextCursor }).describe('A page of batches');

/** POST /batches with ?wait=, when the job finished in time. */
export const createdBatchesAnswer = z
  .object({ jobId: z.string(), batches: z.array(createdBatch) })
  .describe('The batches the job created');

/** What the execute-batch job answers: the batch is PROCESSING and its payments are enqueued. */
export const executeBatchResult = z.object({
  batchId: z.string(),
  status: z.literal('PROCESSING'),
  payments: count.describe('Payments enqueued'),
  finalizeJobId: z.string().describe('The job that settles the batch once every payment has'),
});

export type ExecuteBatchResult = z.output<typeof executeBatchResult>;

/** POST /batches/:batchId/execute with ?wait=, when the job finished in time. */
export const executedBatchAnswer = z
  .object({ jobId: z.string(), result: executeBatchResult })
  .describe('The execute job and its result');

export const payoutPreview = z.object({
  affiliateId: z.string(),
  commissionCount: count,
  totalAmount: amount,
  eligible: z.boolean(),
  reason: z.enum(ineligibleReasons).nullable().describe('Why the affiliate is not payable now; null when it is'),
});

export const previewAnswer = z
  .object({
    preview: z.array(payoutPreview),
    summary: z.object({
      totalAffiliates: count,
      eligibleAffiliates: count,
      commissionCount: count,
      totalAmount: amount,
      batchCount: count,
    }),
    planHash,
  })
  .describe('What creating batches now would pay');

export const cancelledBatchAnswer = z
  .object({
    batch: z.object({ id: z.string(), status: z.literal('CANCELLED') }),
    cancelledTransactions: count,
  })
  .describe('The cancelled batch');
