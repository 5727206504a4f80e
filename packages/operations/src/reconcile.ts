import {
  finalizeBatch,
  findFailedPayments,
  findQueuedBatches,
  findSettledProcessingBatches,
  findUnfinishedPayments,
  recordRequeued,
  type UnfinishedPayment,
} from '@payouts/core';
import {
  deadLetterJobId,
  executeJobId,
  jobCatalog,
  payJobId,
  QueueName,
  replayPayJobId,
  requeuedExecuteJobId,
  requeuedPayJobId,
  retention,
} from '@payouts/queue';
import type { Queue } from 'bullmq';
import { sendToDeadLetters } from './dead-letters.ts';
import type { OperationsDeps } from './deps.ts';
import { requeueProviderEvents } from './provider-events.ts';

const actor = { actor: 'system:reconciler' };
const liveStates = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'paused']);
const lookupsAtOnce = 500;

export interface ReconcileReport {
  requeuedPayments: number;
  requeuedExecutions: number;
  finalizedBatches: number;
  deadLettersAdded: number;
  requeuedProviderEvents: number;
}

/**
 * The state of each job id ('unknown' when Redis does not hold it). The look-ups are sent together,
 * a chunk at a time, so a thousand unfinished payments cost a few round trips, not a thousand.
 */
async function jobStates(queue: Queue, jobIds: readonly string[]): Promise<Map<string, string>> {
  const states = new Map<string, string>();
  for (let i = 0; i < jobIds.length; i += lookupsAtOnce) {
    const chunk = jobIds.slice(i, i + lookupsAtOnce);
    const found = await Promise.all(chunk.map((id) => queue.getJobState(id)));
    for (const [n, id] of chunk.entries()) states.set(id, found[n] ?? 'unknown');
  }
  return states;
}

/** The job ids a payment may currently run under: of its round (first run or replay), and its last requeue. */
function candidateJobIds(payment: UnfinishedPayment): string[] {
  const base = payment.replayRound > 0 ? replayPayJobId(payment.id, payment.replayRound) : payJobId(payment.id);
  return payment.requeueCount > 0 ? [base, requeuedPayJobId(payment.id, payment.requeueCount)] : [base];
}

/**
 * Repairs, from Postgres, work that Redis no longer holds (lost, flushed, or finished without settling):
 * payments of PROCESSING batches without a live job, QUEUED batches without an execute job, PROCESSING
 * batches whose payments have all settled, FAILED payments without their dead letter, and stored
 * provider events not applied yet, untried for `eventQuietMs`, without a live job.
 */
export async function reconcile(deps: OperationsDeps, options = { eventQuietMs: 30_000 }): Promise<ReconcileReport> {
  const report: ReconcileReport = {
    requeuedPayments: await requeuePayments(deps),
    requeuedExecutions: await requeueExecutions(deps),
    finalizedBatches: 0,
    deadLettersAdded: 0,
    requeuedProviderEvents: await requeueProviderEvents(deps, options.eventQuietMs),
  };

  for (const batchId of await findSettledProcessingBatches(deps)) {
    const result = await finalizeBatch(deps, batchId, actor);
    if (result.outcome === 'FINALIZED') report.finalizedBatches++;
  }

  const failed = (await findFailedPayments(deps, 10_000)).filter((f) => f.failedAt !== null);
  const letterIds = failed.map((f) => deadLetterJobId(f.id, f.failedAt ?? new Date(0)));
  const letters = await jobStates(deps.queues[QueueName.deadLetter], letterIds);
  for (const [n, payment] of failed.entries()) {
    if (letters.get(letterIds[n] ?? '') !== 'unknown') continue;
    if (await sendToDeadLetters(deps, payment.id, payment.retryCount + 1)) report.deadLettersAdded++;
  }

  if (Object.values(report).some((n) => n > 0)) deps.logger.warn(report, 'reconciler repaired work');
  return report;
}

/**
 * The batches whose execute job is still live (waiting, running, or retrying): it is adding their
 * payments' jobs right now (it moves the batch to PROCESSING first, then adds the flow), and a re-run
 * adds whatever is missing, under the same ids. Their payments are not lost work.
 */
async function batchesBeingExecuted(deps: OperationsDeps, batchIds: readonly string[]): Promise<Set<string>> {
  const ids = [...new Set(batchIds)];
  const states = await jobStates(deps.queues[QueueName.executeBatch], ids.map(executeJobId));
  return new Set(ids.filter((id) => liveStates.has(states.get(executeJobId(id)) ?? 'unknown')));
}

const batchOf = (payment: UnfinishedPayment) => payment.batchId;

/** Unfinished payments whose jobs Redis no longer holds live get a new job each, all added at once. */
async function requeuePayments(deps: OperationsDeps): Promise<number> {
  const queue = deps.queues[QueueName.payTransaction];
  const found = await findUnfinishedPayments(deps, { leaseMs: deps.rules.claimLeaseMs, limit: 10_000 });
  const executing = await batchesBeingExecuted(deps, found.map(batchOf));
  const payments = found.filter((p) => !executing.has(p.batchId));
  const states = await jobStates(queue, payments.flatMap(candidateJobIds));
  const requeued = payments.flatMap((payment) => {
    const [base, ...rest] = candidateJobIds(payment);
    if (!base || [base, ...rest].some((id) => liveStates.has(states.get(id) ?? 'unknown'))) return [];
    // The same id when Redis lost the job; a new one when it still holds it finished, since BullMQ
    // ignores an add whose id exists.
    const jobId = states.get(base) === 'unknown' ? base : requeuedPayJobId(payment.id, payment.requeueCount + 1);
    return [{ payment, jobId }];
  });
  if (requeued.length === 0) return 0;
  await recordRequeued(deps, requeued, actor);
  const options = { ...jobCatalog[QueueName.payTransaction].options, ...retention, attempts: deps.rules.payAttempts };
  await queue.addBulk(
    requeued.map(({ payment, jobId }) => ({
      name: QueueName.payTransaction,
      data: jobCatalog[QueueName.payTransaction].payload.parse({ transactionId: payment.id, batchId: payment.batchId }),
      opts: { ...options, jobId },
    })),
  );
  return requeued.length;
}

/** QUEUED batches without a live execute job get one. */
async function requeueExecutions(deps: OperationsDeps): Promise<number> {
  const queue = deps.queues[QueueName.executeBatch];
  const batchIds = await findQueuedBatches(deps);
  const states = await jobStates(queue, batchIds.map(executeJobId));
  let requeued = 0;
  for (const batchId of batchIds) {
    const base = executeJobId(batchId);
    const state = states.get(base) ?? 'unknown';
    if (liveStates.has(state)) continue;
    const jobId = state === 'unknown' ? base : requeuedExecuteJobId(batchId, new Date());
    await queue.add(
      QueueName.executeBatch,
      { batchId },
      { ...jobCatalog[QueueName.executeBatch].options, ...retention, jobId },
    );
    requeued++;
  }
  return requeued;
}
