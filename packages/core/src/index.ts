export {
  type AffiliateDetails,
  getAffiliateDetails,
  listOpenCommissions,
  type OpenCommissionView,
} from './affiliates/affiliate-details.ts';
export { type PayableAffiliatesPage, pagePayableAffiliates } from './affiliates/payable-page.ts';
export {
  type CreatePayoutAccountInput,
  createPayoutAccount,
  listPayoutAccounts,
  type PayoutAccountListItem,
  type PayoutAccountRecord,
} from './affiliates/payout-accounts.ts';
export { type AccountSyncReport, syncPayoutAccounts } from './affiliates/sync-payout-accounts.ts';
export * from './api-keys.ts';
export { type AuditEntry, writeAudit } from './audit.ts';
export { type AuditLogQuery, type AuditLogView, listAuditLogs } from './audit-log.ts';
export {
  completeJobRequest,
  findJobRequest,
  type JobRequestRecord,
  type NewJobRequest,
  recordJobRequest,
} from './authority/job-requests.ts';
export {
  ensurePayoutSchedule,
  getPayoutSchedule,
  nightlyPayoutScheduleId,
  type PayoutScheduleRecord,
  type PayoutScheduleSettings,
  setPayoutSchedule,
} from './authority/payout-schedule.ts';
export { type RefusedJob, recordRefusedJob } from './authority/refused-jobs.ts';
export {
  queueBatchExecution,
  type StartExecutionResult,
  startBatchExecution,
} from './batches/batch-execution.ts';
export { type BatchStatusCount, countBatchesByStatus } from './batches/batch-status-counts.ts';
export { type CancelledBatch, cancelBatch } from './batches/cancel-batch.ts';
export {
  type CreateBatchesInput,
  type CreateBatchesResult,
  type CreatedBatch,
  createBatches,
  splitIntoChunks,
} from './batches/create-batches.ts';
export {
  countTransactionsByStatus,
  type FinalizeResult,
  finalizeBatch,
  type StatusCounts,
} from './batches/finalize-batch.ts';
export { type BatchView, type ExecutionSummary, getBatch, waitForSettledBatch } from './batches/get-batch.ts';
export { type BatchSummary, listBatches } from './batches/list-batches.ts';
export { type Actor, type CoreDeps, type DbClient, systemActor } from './deps.ts';
export {
  ConflictError,
  coerceError,
  DomainError,
  NotFoundError,
  PaymentPermanentError,
  PaymentRateLimitedError,
  PaymentRetryableError,
  PaymentSuspendedError,
} from './errors.ts';
export {
  beginIdempotentRequest,
  completeIdempotentRequest,
  type IdempotencyState,
  type IdempotentRequest,
  releaseIdempotentRequest,
} from './idempotency.ts';
export {
  compareUsd,
  formatUsd,
  MoneyError,
  parseUsd,
  providerUnitsToUsd,
  sumUsd,
  usdToProviderUnits,
} from './money.ts';
export {
  decodeCursor,
  isIssuedCursor,
  isStorableInstant,
  type Page,
  type PageRequest,
  storableInstants,
} from './paging.ts';
export { createAffiliatePayout } from './payables/affiliate-payout.ts';
export {
  type IneligibleReason,
  ineligibilityReason,
  ineligibleReasons,
  listPayableAffiliates,
  type PayableAffiliate,
  type PayoutAccountView,
} from './payables/payable-affiliates.ts';
export {
  computePlanHash,
  type PayableCommission,
  type PayableFilter,
  selectPayableCommissions,
} from './payables/payable-commissions.ts';
export { type PayoutPreview, previewPayouts } from './payables/preview-payouts.ts';
export {
  type DeadLetter,
  describeDeadLetter,
  discardTransaction,
  type Replay,
  replayTransaction,
} from './payments/dead-letters.ts';
export { type PaymentDeps, type PayOutcome, payTransaction } from './payments/pay-transaction.ts';
export {
  findFailedPayments,
  findQueuedBatches,
  findSettledProcessingBatches,
  findUnfinishedPayments,
  recordRequeued,
  type UnfinishedPayment,
} from './payments/stuck-work.ts';
export {
  type ClaimedTransaction,
  type ClaimResult,
  claimTransaction,
  recordPaymentCompleted,
} from './payments/transaction-transitions.ts';
export {
  applyStoredEvent,
  type EventApplication,
  recordEventFailed,
  webhookActor,
} from './provider-events/apply-event.ts';
export {
  type EventToApply,
  findEventsToApply,
  markEventForReplay,
  recordEventsRequeued,
} from './provider-events/event-jobs.ts';
export {
  getProviderEvent,
  listProviderEvents,
  listReversals,
  type ProviderEventDetails,
  type ProviderEventQuery,
  type ProviderEventSummary,
  type ReversalView,
} from './provider-events/list-events.ts';
export { applyPayeeJoined, type PayeeJoined } from './provider-events/payee-events.ts';
export {
  type ApplyOutcome,
  applyPaymentRemoved,
  applyPaymentSent,
  type PaymentWord,
} from './provider-events/payment-events.ts';
export { type ConfirmationPollReport, pollUnconfirmedPayments } from './provider-events/poll-confirmations.ts';
export {
  describeWebhookRefusal,
  type RiseWebhookInput,
  receiveRiseWebhook,
  type WebhookReceipt,
  type WebhookRefusal,
} from './provider-events/receive-webhook.ts';
export {
  type AffiliatePayout,
  type AffiliatePayoutHistory,
  type BatchReport,
  csvFileName,
  exportAuditLogs,
  exportBatchPayouts,
  exportPayouts,
  getBatchReport,
  getPayoutsReport,
  listAffiliatePayouts,
  type PayoutFilter,
  type PayoutGroup,
  type PayoutGrouping,
  type PayoutRow,
  type PayoutStatus,
  type PayoutsReport,
  payoutColumns,
} from './reports/index.ts';
