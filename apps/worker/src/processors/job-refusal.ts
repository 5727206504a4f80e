import { recordRefusedJob } from '@payouts/core';
import { type CataloguedQueue, type JobPayload, jobCatalog } from '@payouts/queue';
import { type Job, UnrecoverableError } from 'bullmq';
import type { WorkerDeps } from '../worker-deps.ts';

/** A job that asked for work Postgres never authorised: it fails at once, without retries. */
export class JobRefusedError extends UnrecoverableError {
  override name = 'JobRefusedError';
}

/**
 * Logs and audits a refused job, and answers the error to throw. Nothing else is written: a job in
 * Redis is a hint, and this one pointed at work nobody decided on.
 */
export async function refuseJob(
  deps: WorkerDeps,
  job: Job,
  reason: string,
  ids: { batchId?: string; transactionId?: string } = {},
): Promise<JobRefusedError> {
  deps.logger.warn(
    { queue: job.queueName, jobId: job.id, name: job.name, reason, ...ids },
    'job refused: Postgres does not authorise it',
  );
  await recordRefusedJob(deps, { queue: job.queueName, jobId: job.id ?? '', jobName: job.name, reason, ...ids });
  return new JobRefusedError(`refused: ${reason}`);
}

/** The job's payload per the catalog; a payload that does not match it is refused. */
export async function parsePayloadOrRefuse<Q extends CataloguedQueue>(
  deps: WorkerDeps,
  queue: Q,
  job: Job,
): Promise<JobPayload<Q>> {
  const parsed = jobCatalog[queue].payload.safeParse(job.data);
  if (parsed.success) return parsed.data as JobPayload<Q>;
  const fields = parsed.error.issues.map((issue) => issue.path.join('.') || issue.message).join(', ');
  throw await refuseJob(deps, job, `payload does not match the ${queue} catalog entry (${fields})`);
}
