import { type CreateBatchesResult, createBatches } from '@payouts/core';
import { parsePayload, QueueName } from '@payouts/queue';
import type { Job } from 'bullmq';
import type { WorkerDeps } from '../worker-deps.ts';

/** create-batch: writes the batches for everyone payable (or the given affiliates) and returns them. */
export function makeCreateBatchProcessor(deps: WorkerDeps) {
  return async (job: Job): Promise<CreateBatchesResult> => {
    const { actor, affiliateIds } = parsePayload(QueueName.createBatch, job.data);
    const result = await createBatches(
      deps,
      {
        affiliateIds,
        provider: deps.env.PAYOUT_PROVIDER,
        minPayout: deps.env.MIN_PAYOUT_USD,
        maxBatchSize: deps.env.MAX_BATCH_SIZE,
      },
      { actor },
    );
    deps.logger.info({ jobId: job.id, status: result.status, batches: result.batches.length }, 'create-batch done');
    return result;
  };
}
