import {
  type Actor,
  type CreatedBatch,
  computePlanHash,
  createAffiliatePayout,
  DomainError,
  queueBatchExecution,
  selectPayableCommissions,
} from '@payouts/core';
import type { DisbursementProvider } from '@payouts/db';
import { assertQueueReachable, createBatchJobId, enqueue, executeJobId, QueueName } from '@payouts/queue';
import type { Job } from 'bullmq';
import type { OperationsDeps } from './deps.ts';
import { startRecordedJob } from './job-requests.ts';

export interface BatchCreationRequest {
  affiliateIds?: string[];
  /** From a preview: refuse unless exactly the previewed commissions would be paid. */
  planHash?: string;
  /** The provider the caller expects to pay through; refused unless it is the configured one. */
  provider?: DisbursementProvider;
}

/**
 * Asks for batches of everyone payable (or the given affiliates): records the request and enqueues its
 * create-batch job. A stale planHash is refused here, writing nothing; the job checks it again inside the
 * DB transaction that would write the batches, and answers PLAN_CHANGED when it changed in between.
 */
export async function requestBatchCreation(
  deps: OperationsDeps,
  request: BatchCreationRequest,
  who: Actor,
): Promise<Job> {
  if (request.provider !== undefined && request.provider !== deps.rules.provider) {
    throw new DomainError(
      'VALIDATION_FAILED',
      `provider ${request.provider} is not configured here; batches are paid through ${deps.rules.provider}`,
      [{ in: 'body', path: '/provider', message: `only ${deps.rules.provider} is configured` }],
    );
  }
  if (request.planHash !== undefined) {
    const filter = { minPayout: deps.rules.minPayout, affiliateIds: request.affiliateIds };
    const planHash = computePlanHash(await selectPayableCommissions(deps.db, filter, { lock: false }));
    if (planHash !== request.planHash) {
      throw new DomainError('PLAN_CHANGED', 'what would be paid has changed since the preview; preview again', {
        planHash,
      });
    }
  }
  return startRecordedJob(
    deps,
    QueueName.createBatch,
    createBatchJobId(),
    { affiliateIds: request.affiliateIds, planHash: request.planHash },
    who,
  );
}

/**
 * Asks for a batch's execution: PENDING -> QUEUED in Postgres with who asked (CONFLICT when it cannot be
 * executed; a QUEUED batch is accepted again), then its execute-batch job, whose id makes repeated
 * requests one job.
 */
export async function requestBatchExecution(deps: OperationsDeps, batchId: string, who: Actor): Promise<Job> {
  // Redis down: refused before the batch is marked QUEUED.
  assertQueueReachable(deps.queues[QueueName.executeBatch]);
  await queueBatchExecution(deps, batchId, who);
  return enqueue(deps.queues, QueueName.executeBatch, { batchId }, executeJobId(batchId));
}

export interface AffiliatePayoutResult {
  batches: CreatedBatch[];
  /** The execute jobs, when execution was asked for: one per batch (more than MAX_BATCH_SIZE makes several). */
  jobIds: string[];
}

/** A batch paying one affiliate now, written at once (not through a job), and optionally executed. */
export async function payAffiliateNow(
  deps: OperationsDeps,
  affiliateId: string,
  options: { execute: boolean },
  who: Actor,
): Promise<AffiliatePayoutResult> {
  const { provider, minPayout, maxBatchSize } = deps.rules;
  const created = await createAffiliatePayout(deps, affiliateId, { provider, minPayout, maxBatchSize }, who);
  const jobIds: string[] = [];
  if (options.execute) {
    for (const batch of created.batches) jobIds.push((await requestBatchExecution(deps, batch.id, who)).id ?? '');
  }
  return { batches: created.batches, jobIds };
}
