import { randomUUID } from 'node:crypto';
import { QueueName } from './names.ts';

// Job ids derive from domain ids so a duplicate enqueue is a no-op while the job exists.
// BullMQ forbids ':' in custom ids and ids made only of digits; every id here starts with a word.

export const payJobId = (transactionId: string) => `pay-${transactionId}`;
export const executeJobId = (batchId: string) => `execute-${batchId}`;
export const finalizeJobId = (batchId: string) => `finalize-${batchId}`;
/** The child that holds a large batch's flow open while its payments are added. */
export const flowGateJobId = (batchId: string) => `gate-${batchId}`;
export const createBatchJobId = () => `create-${randomUUID()}`;
/** One dead letter per failure: a later failure of the same transaction (after a replay) has another time. */
export const deadLetterJobId = (transactionId: string, failedAt: Date) => `dead-${transactionId}-${failedAt.getTime()}`;
export const replayPayJobId = (transactionId: string, round: number) => `pay-${transactionId}-replay${round}`;
export const replayFlowIds = (round: number) => ({
  pay: (transactionId: string) => replayPayJobId(transactionId, round),
  finalize: (batchId: string) => `finalize-${batchId}-replay${round}`,
});
/** The n-th job the reconciler gave a payment after its earlier job was lost or finished unsettled. */
export const requeuedPayJobId = (transactionId: string, n: number) => `pay-${transactionId}-requeued${n}`;
/** An execute job the reconciler adds for a QUEUED batch whose earlier job finished without executing it. */
export const requeuedExecuteJobId = (batchId: string, at: Date) => `execute-${batchId}-requeued${at.getTime()}`;
/** The job that applies a stored provider event; its n-th later job (replay or requeue) gets n. */
export const providerEventJobId = (eventId: string, round = 0) =>
  round === 0 ? `event-${eventId}` : `event-${eventId}-${round}`;
export const accountSyncJobId = () => `account-sync-${randomUUID()}`;
export const nightlyRunJobId = () => `nightly-payout-run-${randomUUID()}`;

const queueByIdPrefix = new Map<string, QueueName>([
  ['create', QueueName.createBatch],
  ['execute', QueueName.executeBatch],
  ['pay', QueueName.payTransaction],
  ['finalize', QueueName.finalizeBatch],
  ['gate', QueueName.finalizeBatch],
  ['dead', QueueName.deadLetter],
  ['event', QueueName.providerEvents],
  ['account', QueueName.maintenance],
  ['nightly', QueueName.maintenance],
]);

/** The queue a job id belongs to, or undefined for ids this system never issues. */
export function queueOfJobId(jobId: string): QueueName | undefined {
  // A Map, not an object: an id such as "toString" must not find Object.prototype's members.
  return queueByIdPrefix.get(jobId.split('-', 1)[0] ?? '');
}
