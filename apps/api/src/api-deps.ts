import type { Env } from '@payouts/config';
import { countBatchesByStatus } from '@payouts/core';
import { type Db, makeDb } from '@payouts/db';
import { type ApiMetrics, makeApiMetrics, registerSystemState } from '@payouts/metrics';
import { type OperationsDeps, payoutRulesFromEnv } from '@payouts/operations';
import {
  closeQueues,
  countJobsByState,
  makeFlowProducer,
  makeQueueEvents,
  makeQueues,
  makeRedis,
  QueueName,
  type Queues,
} from '@payouts/queue';
import type { FlowProducer, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { type Logger, pino } from 'pino';

/** What the HTTP app needs; server.ts makes it from the environment, tests make it with test services. */
export interface ApiDeps extends OperationsDeps {
  env: Env;
  db: Db;
  /** The app's logger too (server.ts hands it to Fastify), so operations log where requests do. */
  logger: Logger;
  redis: Redis;
  queues: Queues;
  /** For replays: a dead letter's new attempt is a one-child flow, finalized again. */
  flowProducer: FlowProducer;
  /** For `?wait=`: job completion notifications of the queues whose jobs the API starts. */
  queueEvents: Partial<Record<QueueName, QueueEvents>>;
  /** This process's metrics (its own registry); server.ts serves them at METRICS_PORT, never on the API's port. */
  metrics: ApiMetrics;
}

export function makeApiDeps(env: Env, logger: Logger = pino({ level: env.LOG_LEVEL, name: 'api' })): ApiDeps {
  const redis = makeRedis(env.REDIS_URL, 'producer');
  const queueDeps = { connection: redis, prefix: env.QUEUE_PREFIX };
  const eventsFor = (name: QueueName) =>
    makeQueueEvents(name, { connection: makeRedis(env.REDIS_URL, 'worker'), prefix: env.QUEUE_PREFIX });
  const db = makeDb(env.DATABASE_URL, { max: env.DATABASE_POOL_SIZE ?? 10 });
  const queues = makeQueues(queueDeps);
  const metrics = makeApiMetrics();
  registerSystemState(
    metrics.registry,
    {
      queueJobCounts: () => countJobsByState(queues),
      deadLetterQueue: QueueName.deadLetter,
      batchStatusCounts: () => countBatchesByStatus({ db }),
    },
    logger,
  );
  return {
    env,
    logger,
    rules: payoutRulesFromEnv(env),
    db,
    redis,
    queues,
    flowProducer: makeFlowProducer(queueDeps),
    queueEvents: {
      [QueueName.createBatch]: eventsFor(QueueName.createBatch),
      [QueueName.executeBatch]: eventsFor(QueueName.executeBatch),
    },
    metrics,
  };
}

export async function closeApiDeps(deps: ApiDeps): Promise<void> {
  await Promise.all(Object.values(deps.queueEvents).map((events) => events?.close()));
  await closeQueues(deps.queues);
  await deps.flowProducer.close();
  deps.redis.disconnect();
  await deps.db.$disconnect();
}
