import type { Env } from '@payouts/config';
import { type Db, makeDb } from '@payouts/db';
import { type OperationsDeps, payoutRulesFromEnv } from '@payouts/operations';
import {
  closeQueues,
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
}

export function makeApiDeps(env: Env, logger: Logger = pino({ level: env.LOG_LEVEL, name: 'api' })): ApiDeps {
  const redis = makeRedis(env.REDIS_URL, 'producer');
  const queueDeps = { connection: redis, prefix: env.QUEUE_PREFIX };
  const eventsFor = (name: QueueName) =>
    makeQueueEvents(name, { connection: makeRedis(env.REDIS_URL, 'worker'), prefix: env.QUEUE_PREFIX });
  return {
    env,
    logger,
    rules: payoutRulesFromEnv(env),
    db: makeDb(env.DATABASE_URL, { max: env.DATABASE_POOL_SIZE ?? 10 }),
    redis,
    queues: makeQueues(queueDeps),
    flowProducer: makeFlowProducer(queueDeps),
    queueEvents: {
      [QueueName.createBatch]: eventsFor(QueueName.createBatch),
      [QueueName.executeBatch]: eventsFor(QueueName.executeBatch),
    },
  };
}

export async function closeApiDeps(deps: ApiDeps): Promise<void> {
  await Promise.all(Object.values(deps.queueEvents).map((events) => events?.close()));
  await closeQueues(deps.queues);
  await deps.flowProducer.close();
  deps.redis.disconnect();
  await deps.db.$disconnect();
}
