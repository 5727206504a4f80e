import { startBatchExecution } from '@payouts/core';
import { addBatchFlow, finalizeJobId, parsePayload, QueueName } from '@payouts/queue';
import { type Job, UnrecoverableError } from 'bullmq';
import type { WorkerDeps } from '../worker-deps.ts';

export interface ExecuteBatchResult {
  batchId: string;
  status: 'PROCESSING';
  payments: number;
  finalizeJobId: string;
}

/** execute-batch: PENDING|QUEUED -> PROCESSING, then one flow: finalize-batch over one pay-transaction per payment. */
export function makeExecuteBatchProcessor(deps: WorkerDeps) {
  return async (job: Job): Promise<ExecuteBatchResult> => {
    const { batchId, actor } = parsePayload(QueueName.executeBatch, job.data);
    const started = await startBatchExecution(deps, batchId, { actor });
    if (!started.started) {
      throw new UnrecoverableError(`batch ${batchId} is ${started.status} and cannot be executed`);
    }
    await addBatchFlow(deps.flowProducer, batchId, started.transactionIds, {
      attempts: deps.env.PAY_ATTEMPTS,
    });
    deps.logger.info({ batchId, payments: started.transactionIds.length }, 'batch flow added');
    return {
      batchId,
      status: 'PROCESSING',
      payments: started.transactionIds.length,
      finalizeJobId: finalizeJobId(batchId),
    };
  };
}
