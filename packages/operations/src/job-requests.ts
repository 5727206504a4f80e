import { type Actor, recordJobRequest } from '@payouts/core';
import {
  addJob,
  assertQueueReachable,
  enqueue,
  type JobRequestKind,
  type JobRequestParams,
  jobRequestParams,
  MaintenanceJob,
  QueueName,
  retention,
} from '@payouts/queue';
import type { Job } from 'bullmq';
import type { OperationsDeps } from './deps.ts';

type RecordedJobDeps = Pick<OperationsDeps, 'db' | 'queues'>;

/**
 * Records what the caller asks for in Postgres (JobRequest: who, and with which parameters), then
 * enqueues the job that carries it out under the same id. The worker reads the request back and
 * never trusts the job's data, so a job added to Redis by anyone else does nothing.
 */
export async function startRecordedJob<K extends JobRequestKind>(
  deps: RecordedJobDeps,
  kind: K,
  jobId: string,
  params: JobRequestParams<K>,
  who: Actor,
): Promise<Job> {
  // Checked, and undefined fields left out: the row holds JSON.
  const stored = JSON.parse(JSON.stringify(jobRequestParams[kind].parse(params)));
  const queue = kind === QueueName.createBatch ? QueueName.createBatch : QueueName.maintenance;
  assertQueueReachable(deps.queues[queue]);
  if (kind === QueueName.createBatch) {
    await recordJobRequest(deps, { id: jobId, queue: QueueName.createBatch, name: kind, params: stored }, who);
    return enqueue(deps.queues, QueueName.createBatch, { requestId: jobId }, jobId);
  }
  await recordJobRequest(deps, { id: jobId, queue: QueueName.maintenance, name: kind, params: stored }, who);
  const removal =
    kind === MaintenanceJob.nightlyPayout
      ? { removeOnComplete: { age: 24 * 3600 }, removeOnFail: { age: 7 * 24 * 3600 } }
      : retention;
  return addJob(deps.queues[QueueName.maintenance], kind, {}, { ...removal, jobId });
}
