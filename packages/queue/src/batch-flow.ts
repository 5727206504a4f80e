import type { FlowJob, FlowProducer } from 'bullmq';
import { paymentBackoffType } from './backoff.ts';
import { type JobPayload, jobCatalog, retention } from './catalog.ts';
import { finalizeJobId, payJobId } from './job-ids.ts';
import { QueueName } from './names.ts';

export interface PayRetry {
  attempts: number;
}

/** Job ids of a flow: the first execution uses the plain ids; a replay needs ids not taken yet. */
export interface FlowIds {
  pay(transactionId: string): string;
  finalize(batchId: string): string;
}

const defaultFlowIds: FlowIds = { pay: payJobId, finalize: finalizeJobId };

/**
 * The flow of one batch execution: a finalize-batch parent that runs once every pay-transaction
 * child has settled, failed ones included (`ignoreDependencyOnFailure`), so one failed payment
 * never leaves the batch waiting forever.
 */
export function buildBatchFlow(
  batchId: string,
  transactionIds: readonly string[],
  retry: PayRetry,
  ids: FlowIds = defaultFlowIds,
): FlowJob {
  const children: FlowJob[] = transactionIds.map((transactionId) => ({
    name: QueueName.payTransaction,
    queueName: QueueName.payTransaction,
    data: { transactionId, batchId } satisfies JobPayload<'pay-transaction'>,
    opts: {
      jobId: ids.pay(transactionId),
      attempts: retry.attempts,
      // delays come from the worker's strategy (config, jitter, Retry-After): see backoff.ts
      backoff: { type: paymentBackoffType },
      ignoreDependencyOnFailure: true,
      ...retention,
    },
  }));
  return {
    name: QueueName.finalizeBatch,
    queueName: QueueName.finalizeBatch,
    data: { batchId } satisfies JobPayload<'finalize-batch'>,
    opts: { jobId: ids.finalize(batchId), ...jobCatalog[QueueName.finalizeBatch].options, ...retention },
    children,
  };
}

export async function addBatchFlow(
  flowProducer: FlowProducer,
  batchId: string,
  transactionIds: readonly string[],
  retry: PayRetry,
  ids: FlowIds = defaultFlowIds,
) {
  return flowProducer.add(buildBatchFlow(batchId, transactionIds, retry, ids));
}
