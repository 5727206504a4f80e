import type { QueueName } from './names.ts';
import type { Queues } from './queues.ts';

/** The job states counted for monitoring: every list BullMQ keeps a job in. */
export const countedJobStates = [
  'waiting',
  'prioritized',
  'delayed',
  'active',
  'waiting-children',
  'completed',
  'failed',
] as const;

export type JobCounts = Record<QueueName, Record<(typeof countedJobStates)[number], number>>;

/** How many jobs each queue holds in each state, from Redis: one round trip per queue, all at once. */
export async function countJobsByState(queues: Queues): Promise<JobCounts> {
  const entries = await Promise.all(
    Object.entries(queues).map(async ([name, queue]) => {
      const counts = await queue.getJobCounts(...countedJobStates);
      return [name, Object.fromEntries(countedJobStates.map((state) => [state, counts[state] ?? 0]))] as const;
    }),
  );
  return Object.fromEntries(entries) as JobCounts;
}
