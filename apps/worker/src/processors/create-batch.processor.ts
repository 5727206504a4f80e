import { ConflictError, type CreateBatchesResult, createBatches } from '@payouts/core';
import { parsePayload, QueueName } from '@payouts/queue';
import type { Job } from 'bullmq';
import type { WorkerDeps } from '../worker-deps.ts';

export type CreateBatchJobResult = CreateBatchesResult | { status: 'PLAN_CHANGED'; batches: []; planHash: string };

/** create-batch: writes the batches for everyone payable (or the given affiliates) and returns them. */
export function makeCreateBatchProcessor(deps: WorkerDeps) {
  return async (job: Job): Promise<CreateBatchJobResult> => {
    const { actor, affiliateIds, planHash } = parsePayload(QueueName.createBatch, job.data);
    let result: CreateBatchesResult;
    try {
      result = await createBatches(
        deps,
        {
          affiliateIds,
          planHash,
          provider: deps.env.PAYOUT_PROVIDER,
          minPayout: deps.env.MIN_PAYOUT_USD,
          maxBatchSize: deps.env.MAX_BATCH_SIZE,
        },
        { actor },
      );
    } catch (error) {
      // A changed plan is an answer, not a failure to retry: nothing was written.
      const details = error instanceof ConflictError ? (error.details as { reason?: string; planHash?: string }) : {};
      if (details.reason === 'PLAN_CHANGED' && details.planHash) {
        return { status: 'PLAN_CHANGED', batches: [], planHash: details.planHash };
      }
      throw error;
    }
    deps.logger.info({ jobId: job.id, status: result.status, batches: result.batches.length }, 'create-batch done');
    return result;
  };
}
