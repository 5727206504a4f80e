import type { FlowJob, FlowProducer } from 'bullmq';
import { type JobPayload, jobCatalog, retention } from './catalog.ts';
import { finalizeJobId, payJobId } from './job-ids.ts';
import { QueueName } from './names.ts';

export interface PayRetry {
  attempts: number;
  backoffMs: number;
}

/**
 * The flow of one batch execution: a finalize-batch parent that runs once every pay-transaction
 * child has settled, failed ones included (`ignoreDependencyOnFailure`), so one failed payment
 * never leaves the batch waiting forever.
 */
export function buildBatchFlow(batchId: string, transactionIds: readonly string[], retry: PayRetry): FlowJob {
  const children: FlowJob[] = transactionIds.map((transactionId) => ({
    name: QueueName.payTransaction,
    queueName: QueueName.payTransaction,
    data: { transactionId, batchId } satisfies JobPayload<'pay-transaction'>,
    opts: {
      jobId: payJobId(transactionId),
      attempts: retry.attempts,
      backoff: { type: 'exponential', delay: retry.backoffMs },
      ignoreDependencyOnFailure: true,
      ...retention,
    },
  }));
  return {
    name: QueueName.finalizeBatch,
    queueName: QueueName.finalizeBatch,
    data: { batchId } satisfies JobPayload<'finalize-batch'>,
    opts: { jobId: finalizeJobId(batchId), ...jobCatalog[QueueName.finalizeBatch].options, ...retention },
    children,
  };
}

export async function addBatchFlow(
  flowProducer: FlowProducer,
  batchId: string,
  transactionIds: readonly string[],
  retry: PayRetry,
) {
  return flowProducer.add(buildBatchFlow(batchId, transactionIds, retry));
}
