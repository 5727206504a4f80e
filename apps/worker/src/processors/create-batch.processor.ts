import { ConflictError, type CreateBatchesResult, createBatches, findJobRequest } from '@payouts/core';
import { jobRequestParams, QueueName } from '@payouts/queue';
import type { Job } from 'bullmq';
import type { WorkerDeps } from '../worker-deps.ts';
import { parsePayloadOrRefuse, refuseJob } from './job-refusal.ts';

export type CreateBatchJobResult = CreateBatchesResult | { status: 'PLAN_CHANGED'; batches: []; planHash: string };

const requestKind = { queue: QueueName.createBatch, name: QueueName.createBatch };

/**
 * create-batch: carries out a recorded creation request (who asked, for which affiliates, against
 * which plan) and returns the batches. A request is carried out once: a re-run answers its result.
 */
export function makeCreateBatchProcessor(deps: WorkerDeps) {
  return async (job: Job): Promise<CreateBatchJobResult> => {
    const { requestId } = await parsePayloadOrRefuse(deps, QueueName.createBatch, job);
    const request = await findJobRequest(deps, requestId, requestKind);
    if (!request) throw await refuseJob(deps, job, `no batch creation request ${requestId} was recorded`);
    if (request.completedAt) return request.result as CreateBatchJobResult;
    const params = jobRequestParams[QueueName.createBatch].safeParse(request.params);
    if (!params.success) throw await refuseJob(deps, job, `request ${requestId} has unreadable parameters`);

    let result: CreateBatchesResult;
    try {
      result = await createBatches(
        deps,
        {
          ...params.data,
          requestId,
          provider: deps.rules.provider,
          minPayout: deps.rules.minPayout,
          maxBatchSize: deps.rules.maxBatchSize,
        },
        { actor: request.actor },
      );
    } catch (error) {
      const details = error instanceof ConflictError ? (error.details as { reason?: string; planHash?: string }) : {};
      // A changed plan is an answer, not a failure to retry: nothing was written.
      if (details.reason === 'PLAN_CHANGED' && details.planHash) {
        return { status: 'PLAN_CHANGED', batches: [], planHash: details.planHash };
      }
      // Another run of this request got there first: answer what it wrote.
      if (details.reason === 'REQUEST_DONE') {
        const done = await findJobRequest(deps, requestId, requestKind);
        return done?.result as CreateBatchJobResult;
      }
      throw error;
    }
    deps.logger.info(
      { jobId: job.id, status: result.status, batches: result.batches.length, actor: request.actor },
      'create-batch done',
    );
    return result;
  };
}
