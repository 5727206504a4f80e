import { startBatchExecution } from '@payouts/core';
import { addBatchFlowInChunks, finalizeJobId, QueueName } from '@payouts/queue';
import type { Job } from 'bullmq';
import type { WorkerDeps } from '../worker-deps.ts';
import { parsePayloadOrRefuse, refuseJob } from './job-refusal.ts';

export interface ExecuteBatchResult {
  batchId: string;
  status: 'PROCESSING';
  payments: number;
  finalizeJobId: string;
}

/**
 * execute-batch: QUEUED -> PROCESSING, then one flow: finalize-batch over one pay-transaction per
 * payment. Only a batch that the API or the nightly run queued; audited as whoever queued it.
 */
export function makeExecuteBatchProcessor(deps: WorkerDeps) {
  return async (job: Job): Promise<ExecuteBatchResult> => {
    const { batchId } = await parsePayloadOrRefuse(deps, QueueName.executeBatch, job);
    const started = await startBatchExecution(deps, batchId);
    if (!started.started) {
      throw await refuseJob(deps, job, `batch ${batchId} is ${started.status}; only a QUEUED batch is executed`, {
        batchId,
      });
    }
    await addBatchFlowInChunks(
      deps.flowProducer,
      { payTransaction: deps.queues[QueueName.payTransaction], finalizeBatch: deps.queues[QueueName.finalizeBatch] },
      batchId,
      started.transactionIds,
      { attempts: deps.rules.payAttempts },
    );
    deps.logger.info({ batchId, payments: started.transactionIds.length, queuedBy: started.actor }, 'batch flow added');
    return {
      batchId,
      status: 'PROCESSING',
      payments: started.transactionIds.length,
      finalizeJobId: finalizeJobId(batchId),
    };
  };
}
