export {
  type AffiliatePayoutResult,
  type BatchCreationRequest,
  payAffiliateNow,
  requestBatchCreation,
  requestBatchExecution,
} from './batch-requests.ts';
export {
  type DiscardedPayment,
  discardDeadLetter,
  type ReplayedPayment,
  replayDeadLetter,
  sendToDeadLetters,
} from './dead-letters.ts';
export { type OperationsDeps, type PayoutRules, payoutRulesFromEnv } from './deps.ts';
export { startRecordedJob } from './job-requests.ts';
export { startAccountSync } from './maintenance-jobs.ts';
export {
  authoriseNightlyRun,
  type NightlyPayoutReport,
  type NightlyRun,
  runNightlyPayout,
  startNightlyRun,
} from './nightly-payout.ts';
export { receiveProviderWebhook, replayProviderEvent, requeueProviderEvents } from './provider-events.ts';
export {
  endProviderSuspension,
  type ProviderSuspension,
  readProviderSuspension,
  suspendPaying,
} from './provider-suspension.ts';
export { type ReconcileReport, reconcile } from './reconcile.ts';
export { ensureSchedulers, type SchedulerConfig, type SchedulersRestored, setNightlySchedule } from './schedules.ts';
