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
  enqueue,
  executeJobId,
  payJobId,
  QueueName,
  type Queues,
  replayPayJobId,
  requeuedPayJobId,
} from '@payouts/queue';
import { sendToDeadLetters } from '../processors/pay-transaction.processor.ts';
import type { WorkerDeps } from '../worker-deps.ts';

const actor = { actor: 'system:reconciler' };
const liveStates = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'paused']);

export interface ReconcileReport {
  requeuedPayments: number;
  requeuedExecutions: number;
  finalizedBatches: number;
  deadLettersAdded: number;
}

async function isLive(queues: Queues, queue: QueueName, jobId: string): Promise<boolean> {
  const job = await queues[queue].getJob(jobId);
  return job ? liveStates.has(await job.getState()) : false;
}

/** The job ids a payment may currently run under: from its key (first run or replay) and the last requeue. */
function candidateJobIds(payment: UnfinishedPayment): string[] {
  const replay = /_r(\d+)$/.exec(payment.idempotencyKey);
  const base = replay ? replayPayJobId(payment.id, Number(replay[1])) : payJobId(payment.id);
  return payment.requeues > 0 ? [base, requeuedPayJobId(payment.id, payment.requeues)] : [base];
}

/**
 * Repairs, from Postgres, work that Redis no longer holds (lost, flushed, or finished without settling):
 * payments of PROCESSING batches without a live job, QUEUED batches without an execute job, PROCESSING
 * batches whose payments have all settled, and FAILED payments without their dead letter.
 */
export async function reconcile(deps: WorkerDeps): Promise<ReconcileReport> {
  const report: ReconcileReport = {
    requeuedPayments: 0,
    requeuedExecutions: 0,
    finalizedBatches: 0,
    deadLettersAdded: 0,
  };

  for (const payment of await findUnfinishedPayments(deps, { leaseMs: deps.claimLeaseMs, limit: 10_000 })) {
    const ids = candidateJobIds(payment);
    const live = await Promise.all(ids.map((id) => isLive(deps.queues, QueueName.payTransaction, id)));
    if (live.some(Boolean)) continue;
    // The same id when Redis lost the job; a new one when it still holds it finished, since BullMQ
    // ignores an add whose id exists.
    const [base] = ids;
    const baseExists = base ? await deps.queues[QueueName.payTransaction].getJob(base) : undefined;
    const jobId = base && !baseExists ? base : requeuedPayJobId(payment.id, payment.requeues + 1);
    await recordRequeued(deps, payment, jobId, actor);
    await enqueue(
      deps.queues,
      QueueName.payTransaction,
      { transactionId: payment.id, batchId: payment.batchId },
      jobId,
      {
        attempts: deps.env.PAY_ATTEMPTS,
      },
    );
    report.requeuedPayments++;
  }

  for (const batchId of await findQueuedBatches(deps)) {
    const base = executeJobId(batchId);
    if (await isLive(deps.queues, QueueName.executeBatch, base)) continue;
    const exists = await deps.queues[QueueName.executeBatch].getJob(base);
    const jobId = exists ? `${base}-requeued${Date.now()}` : base;
    await enqueue(deps.queues, QueueName.executeBatch, { batchId }, jobId);
    report.requeuedExecutions++;
  }

  for (const batchId of await findSettledProcessingBatches(deps)) {
    const result = await finalizeBatch(deps, batchId, actor);
    if (result.outcome === 'FINALIZED') report.finalizedBatches++;
  }

  for (const failed of await findFailedPayments(deps, 10_000)) {
    if (!failed.failedAt) continue;
    if (await deps.queues[QueueName.deadLetter].getJob(deadLetterJobId(failed.id, failed.failedAt))) continue;
    await sendToDeadLetters(deps, failed.id, failed.retryCount + 1);
    report.deadLettersAdded++;
  }

  if (Object.values(report).some((n) => n > 0)) deps.logger.warn(report, 'reconciler repaired work');
  return report;
}
