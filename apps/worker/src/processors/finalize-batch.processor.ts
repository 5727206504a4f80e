import { type FinalizeResult, finalizeBatch } from '@payouts/core';
import { parsePayload, QueueName } from '@payouts/queue';
import type { Job } from 'bullmq';
import type { WorkerDeps } from '../worker-deps.ts';

const actor = { actor: 'system:finalize-batch' };

/** finalize-batch: runs after every payment settled; sets the batch COMPLETED or FAILED. */
export function makeFinalizeBatchProcessor(deps: WorkerDeps) {
  return async (job: Job): Promise<FinalizeResult> => {
    const { batchId } = parsePayload(QueueName.finalizeBatch, job.data);
    const result = await finalizeBatch(deps, batchId, actor);
    // A payment still in flight elsewhere (its job was re-run and exited): try again with backoff.
    if (result.outcome === 'UNSETTLED') throw new Error(`batch ${batchId} has unsettled payments`);
    const total = Object.values(result.counts).reduce((a, b) => a + b, 0);
    await job.updateProgress({ settled: total, total, percent: 100 });
    deps.logger.info({ batchId, result }, 'batch finalized');
    return result;
  };
}
