import { type Queues, queueOfJobId } from '@payouts/queue';
import type { Job, QueueEvents } from 'bullmq';

export interface JobView {
  jobId: string;
  queue: string;
  state: string;
  progress: unknown;
  attemptsMade: number;
  result: unknown;
  failedReason: string | null;
  createdAt: string;
  finishedAt: string | null;
}

export async function findJob(queues: Queues, jobId: string): Promise<Job | undefined> {
  const queue = queueOfJobId(jobId);
  if (!queue) return undefined;
  return (await queues[queue].getJob(jobId)) ?? undefined;
}

export async function viewJob(job: Job): Promise<JobView> {
  return {
    jobId: job.id ?? '',
    queue: job.queueName,
    state: await job.getState(),
    progress: job.progress,
    attemptsMade: job.attemptsMade,
    result: job.returnvalue ?? null,
    failedReason: job.failedReason ?? null,
    createdAt: new Date(job.timestamp).toISOString(),
    finishedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
  };
}

export type WaitOutcome<T> =
  | { state: 'completed'; result: T }
  | { state: 'failed'; reason: string }
  | { state: 'pending' };

/** Waits up to `seconds` for a job to finish; 'pending' when it has not by then. */
export async function waitForJob<T>(job: Job, events: QueueEvents, seconds: number): Promise<WaitOutcome<T>> {
  try {
    const result = (await job.waitUntilFinished(events, seconds * 1000)) as T;
    return { state: 'completed', result };
  } catch (error) {
    // waitUntilFinished rejects with the job's failedReason when it failed, or on timeout.
    if ((await job.getState()) === 'failed') return { state: 'failed', reason: (error as Error).message };
    return { state: 'pending' };
  }
}
