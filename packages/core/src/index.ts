export * from './api-keys.ts';
export { type AuditEntry, writeAudit } from './audit.ts';
export {
  queueBatchExecution,
  type StartExecutionResult,
  startBatchExecution,
} from './batches/batch-execution.ts';
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
export { type BatchView, getBatch } from './batches/get-batch.ts';
export { type Actor, type CoreDeps, systemActor } from './deps.ts';
export {
  ConflictError,
  coerceError,
  DomainError,
  NotFoundError,
  PaymentPermanentError,
  PaymentRetryableError,
} from './errors.ts';
export { type PaymentDeps, type PayOutcome, payTransaction } from './payments/pay-transaction.ts';
