import { FlowProducer, type JobsOptions, Queue, QueueEvents } from 'bullmq';
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

/** Adds a catalogued job after validating its payload, with the catalogue's retry settings. */
export async function enqueue<Q extends CataloguedQueue>(
  queues: Queues,
  queue: Q,
  payload: JobPayload<Q>,
  jobId: string,
  options: JobsOptions = {},
) {
  const data = jobCatalog[queue].payload.parse(payload);
  return queues[queue].add(queue, data, { ...jobCatalog[queue].options, ...retention, ...options, jobId });
}
