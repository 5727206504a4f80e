export { type BackoffConfig, paymentBackoffDelay, paymentBackoffType } from './backoff.ts';
export {
  addBatchFlow,
  addBatchFlowInChunks,
  buildBatchFlow,
  type FlowIds,
  flowGateJobName,
  type PayRetry,
} from './batch-flow.ts';
export { type CataloguedQueue, type JobPayload, jobCatalog, parsePayload, retention } from './catalog.ts';
export { logRedisOutages, makeRedis } from './connection.ts';
export {
  type DeadLetterEntry,
  type DeadLetterPage,
  enqueueReplay,
  listDeadLetters,
  parseDeadLetterCursor,
  type ReplayRequest,
  removeDeadLetters,
} from './dead-letter-queue.ts';
export { countedJobStates, countJobsByState, type JobCounts } from './job-counts.ts';
export {
  accountSyncJobId,
  createBatchJobId,
  deadLetterJobId,
  executeJobId,
  finalizeJobId,
  flowGateJobId,
  nightlyRunJobId,
  payJobId,
  providerEventJobId,
  queueOfJobId,
  replayFlowIds,
  replayPayJobId,
  requeuedExecuteJobId,
  requeuedPayJobId,
} from './job-ids.ts';
export { type JobRequestKind, type JobRequestParams, jobRequestParams } from './job-requests.ts';
export { MaintenanceJob, type NightlyPayoutSchedule, upsertNightlyPayoutSchedule } from './maintenance-jobs.ts';
export { allQueueNames, QueueName } from './names.ts';
export {
  addJob,
  assertQueueReachable,
  closeQueues,
  enqueue,
  makeFlowProducer,
  makeQueueEvents,
  makeQueues,
  type QueueDeps,
  type Queues,
  QueueUnavailableError,
} from './queues.ts';
