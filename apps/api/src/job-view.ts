import { type Queues, queueOfJobId } from '@payouts/queue';
import type { Job, JobState, Queue, QueueEvents } from 'bullmq';

export interface JobView {
  jobId: string;
  queue: string;
  state: JobState | 'unknown';
  /** 0 until the job reports; this system's jobs report objects such as `{ settled, total, percent }`. */
  progress: number | string | boolean | Record<string, unknown>;
  attemptsMade: number;
  /** What the processor returned: each of this system's processors returns an object. */
  result: Record<string, unknown> | null;
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
    // BullMQ types it `object`: it is JSON read back from Redis.
    progress: job.progress as JobView['progress'],
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

type Finish = { state: 'completed'; result: unknown } | { state: 'failed'; reason: string };
type Waiters = Map<string, Set<(finish: Finish) => void>>;

/**
 * The waits of each QueueEvents, by job id. One 'completed' and one 'failed' listener per QueueEvents
 * serve every concurrent `?wait=`: a listener per request (as job.waitUntilFinished adds, on the queue
 * too) would pile up past Node's listener limit under load.
 */
const waitersByEvents = new WeakMap<QueueEvents, Waiters>();

function waitersOf(events: QueueEvents): Waiters {
  const known = waitersByEvents.get(events);
  if (known) return known;
  const waiters: Waiters = new Map();
  const settle = (jobId: string, finish: Finish) => {
    for (const waiter of waiters.get(jobId) ?? []) waiter(finish);
  };
  events.on('completed', ({ jobId, returnvalue }) => settle(jobId, { state: 'completed', result: returnvalue }));
  events.on('failed', ({ jobId, failedReason }) => settle(jobId, { state: 'failed', reason: failedReason }));
  waitersByEvents.set(events, waiters);
  return waiters;
}

/** The job's finish event, or undefined after `ms`; `cancel` stops listening. */
function nextFinish(events: QueueEvents, jobId: string, ms: number) {
  const waiters = waitersOf(events);
  let stop = () => {};
  const finished = new Promise<Finish | undefined>((resolve) => {
    const waiter = (finish: Finish | undefined) => {
      stop();
      resolve(finish);
    };
    const timer = setTimeout(() => waiter(undefined), ms);
    const forJob = waiters.get(jobId) ?? new Set();
    forJob.add(waiter);
    waiters.set(jobId, forJob);
    stop = () => {
      clearTimeout(timer);
      forJob.delete(waiter);
      if (forJob.size === 0 && waiters.get(jobId) === forJob) waiters.delete(jobId);
    };
  });
  return { finished, cancel: () => stop() };
}

/**
 * Waits up to `seconds` for a job of `queue` to finish; 'pending' when it has not by then. A failed
 * attempt that BullMQ will retry is not the end: only a job left failed is.
 */
export async function waitForJob<T>(
  queue: Queue,
  job: Job,
  events: QueueEvents,
  seconds: number,
): Promise<WaitOutcome<T>> {
  const jobId = job.id ?? '';
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const { finished, cancel } = nextFinish(events, jobId, Math.max(0, deadline - Date.now()));
    // Listening first, then looking: a job that finished before the listener was there is found here.
    await events.waitUntilReady();
    // The state first, then the job: a job read while still active and found completed a moment later
    // would answer its empty return value. Completed and failed are final, so reading after is safe.
    const state = await queue.getJobState(jobId);
    if (state === 'completed' || state === 'failed') {
      cancel();
      const done = await queue.getJob(jobId);
      if (state === 'completed') return { state, result: done?.returnvalue as T };
      return { state, reason: done?.failedReason ?? 'failed' };
    }
    const finish = await finished;
    if (!finish) return { state: 'pending' };
    if (finish.state === 'completed') return { state: 'completed', result: finish.result as T };
  }
}
