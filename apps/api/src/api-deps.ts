import type { Env } from '@payouts/config';
import { countBatchesByStatus } from '@payouts/core';
import { type Db, makeDb } from '@payouts/db';
import { type ApiMetrics, makeApiMetrics, registerSystemState } from '@payouts/metrics';
import { type OperationsDeps, payoutRulesFromEnv } from '@payouts/operations';
import {
  closeQueues,
  countJobsByState,
  logRedisOutages,
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
  const redis = logRedisOutages(makeRedis(env.REDIS_URL, 'producer'), logger, 'producer');
  const queueDeps = { connection: redis, prefix: env.QUEUE_PREFIX };
  const eventsFor = (name: QueueName) =>
    makeQueueEvents(name, {
      connection: logRedisOutages(makeRedis(env.REDIS_URL, 'worker'), logger, `${name} events`),
      prefix: env.QUEUE_PREFIX,
    });
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

const closeStepMs = 3000;

/** Waits for a step of closing, at most closeStepMs; a step that does not finish is logged and left behind. */
async function closing(deps: ApiDeps, step: string, work: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), closeStepMs);
  });
  const outcome = await Promise.race([work, late]);
  clearTimeout(timer);
  if (outcome === 'late') deps.logger.warn({ step, waitedMs: closeStepMs }, 'closing: step did not finish');
}

export async function closeApiDeps(deps: ApiDeps): Promise<void> {
  await closing(deps, 'queue events', Promise.all(Object.values(deps.queueEvents).map((events) => events?.close())));
  await closing(deps, 'queues', closeQueues(deps.queues));
  await closing(deps, 'flow producer', deps.flowProducer.close());
  deps.redis.disconnect();
  await deps.db.$disconnect();
}
