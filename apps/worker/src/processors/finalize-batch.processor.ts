import { type FinalizeResult, finalizeBatch, NotFoundError } from '@payouts/core';
import { flowGateJobName, QueueName } from '@payouts/queue';
import type { Job } from 'bullmq';
import type { WorkerDeps } from '../worker-deps.ts';
import { parsePayloadOrRefuse, refuseJob } from './job-refusal.ts';

const actor = { actor: 'system:finalize-batch' };

/** finalize-batch: runs after every payment settled; sets a PROCESSING batch COMPLETED or FAILED. */
export function makeFinalizeBatchProcessor(deps: WorkerDeps) {
  return async (job: Job): Promise<FinalizeResult | { gate: 'opened' }> => {
    const { batchId } = await parsePayloadOrRefuse(deps, QueueName.finalizeBatch, job);
    // The child that held a large flow open while its payments were added: its work is to end.
    if (job.name === flowGateJobName) return { gate: 'opened' };
    let result: FinalizeResult;
    try {
      result = await finalizeBatch(deps, batchId, actor);
    } catch (error) {
      if (error instanceof NotFoundError) throw await refuseJob(deps, job, `batch ${batchId} does not exist`);
      throw error;
    }
    // COMPLETED or FAILED already: a repeated delivery (or the reconciler was first). Anything else was
    // never executed, so a finalize job for it was not added by an execution.
    if (result.outcome === 'NOT_PROCESSING' && result.status !== 'COMPLETED' && result.status !== 'FAILED') {
      throw await refuseJob(deps, job, `batch ${batchId} is ${result.status}; it was never executed`, { batchId });
    }
    // A payment still in flight elsewhere (its job was re-run and exited): try again with backoff.
    if (result.outcome === 'UNSETTLED') throw new Error(`batch ${batchId} has unsettled payments`);
    const total = Object.values(result.counts).reduce((a, b) => a + b, 0);
    await job.updateProgress({ settled: total, total, percent: 100 });
    deps.logger.info({ batchId, result }, 'batch finalized');
    return result;
  };
}
