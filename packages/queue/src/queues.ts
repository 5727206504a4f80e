import { FlowProducer, type Job, type JobsOptions, Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { type CataloguedQueue, type JobPayload, jobCatalog, retention } from './catalog.ts';
import { allQueueNames, type QueueName } from './names.ts';

export type Queues = Record<QueueName, Queue>;

export interface QueueDeps {
  connection: Redis;
  prefix: string;
}

/** One Queue per name, sharing one connection; close them with `closeQueues`. */
export function makeQueues({ connection, prefix }: QueueDeps): Queues {
  const entries = allQueueNames.map((name) => [name, new Queue(name, { connection, prefix })] as const);
  return Object.fromEntries(entries) as Queues;
}

export async function closeQueues(queues: Queues): Promise<void> {
  await Promise.all(Object.values(queues).map((queue) => queue.close()));
}

export function makeFlowProducer({ connection, prefix }: QueueDeps): FlowProducer {
  return new FlowProducer({ connection, prefix });
}

/** QueueEvents need a blocking connection of their own: pass a fresh one. */
export function makeQueueEvents(name: QueueName, { connection, prefix }: QueueDeps): QueueEvents {
  return new QueueEvents(name, { connection, prefix });
}

/** Redis could not take a job now (down, reconnecting, or silent). The API answers 503 UNAVAILABLE. */
export class QueueUnavailableError extends Error {
  override name = 'QueueUnavailableError';
}

/** How long a producer waits for Redis to take a job before it gives up. */
const producerAddTimeoutMs = 5000;

/** A producer's connection has no offline queue (makeRedis): it should fail fast rather than wait for Redis. */
function producerStatus(queue: Queue): string | null {
  const connection = queue.opts.connection as { status?: unknown; options?: { enableOfflineQueue?: boolean } };
  if (typeof connection.status !== 'string' || connection.options?.enableOfflineQueue !== false) return null;
  return connection.status;
}

/**
 * Throws QueueUnavailableError when this queue's producer connection is not up right now. Called before
 * anything is recorded for a job, so a request refused while Redis is down leaves nothing behind.
 * A worker's connection (which waits for Redis) always passes.
 */
export function assertQueueReachable(queue: Queue): void {
  const status = producerStatus(queue);
  if (status !== null && status !== 'ready') {
    throw new QueueUnavailableError(`the job queue (Redis) is unavailable (connection ${status}); nothing was done`);
  }
}

/**
 * queue.add, except that on a producer's connection it fails with QueueUnavailableError at once while
 * Redis is down, and after 5 s without an answer: BullMQ itself waits until Redis is back, which held
 * HTTP requests for minutes. After a timeout the job may still have been added.
 */
export async function addJob(queue: Queue, name: string, data: unknown, options: JobsOptions): Promise<Job> {
  if (producerStatus(queue) === null) return queue.add(name, data, options);
  assertQueueReachable(queue);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new QueueUnavailableError(
            `the job queue (Redis) did not answer in ${producerAddTimeoutMs / 1000} s; the job may not have been queued`,
          ),
        ),
      producerAddTimeoutMs,
    );
  });
  try {
    return await Promise.race([queue.add(name, data, options), timeout]);
  } catch (error) {
    if (error instanceof QueueUnavailableError || producerStatus(queue) === 'ready') throw error;
    throw new QueueUnavailableError(
      'the job queue (Redis) went away while the job was being queued; it may not have been queued',
      {
        cause: error,
      },
    );
  } finally {
    clearTimeout(timer);
  }
}

/** Adds a catalogued job after validating its payload, with the catalogue's retry settings (see addJob). */
export async function enqueue<Q extends CataloguedQueue>(
  queues: Queues,
  queue: Q,
  payload: JobPayload<Q>,
  jobId: string,
  options: JobsOptions = {},
) {
  const data = jobCatalog[queue].payload.parse(payload);
  return addJob(queues[queue], queue, data, { ...jobCatalog[queue].options, ...retention, ...options, jobId });
}
