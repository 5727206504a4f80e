import type { Env } from '@payouts/config';
import { makeDb } from '@payouts/db';
import { type OperationsDeps, payoutRulesFromEnv } from '@payouts/operations';
import { closeQueues, makeFlowProducer, makeQueues, makeRedis } from '@payouts/queue';
import { pino } from 'pino';

/**
 * Runs `fn` with what operations need (the database, the queues of QUEUE_PREFIX, the payout rules, a
 * logger on stderr) and always closes them, so the process can exit.
 */
export async function withOperations<T>(env: Env, fn: (deps: OperationsDeps) => Promise<T>): Promise<T> {
  const connection = makeRedis(env.REDIS_URL, 'worker');
  const queueDeps = { connection, prefix: env.QUEUE_PREFIX };
  const deps: OperationsDeps = {
    db: makeDb(env.DATABASE_URL, { max: 4 }),
    redis: connection,
    queues: makeQueues(queueDeps),
    flowProducer: makeFlowProducer(queueDeps),
    rules: payoutRulesFromEnv(env),
    logger: pino({ level: env.LOG_LEVEL, name: 'cli' }, pino.destination(2)),
  };
  try {
    return await fn(deps);
  } finally {
    await deps.flowProducer.close();
    await closeQueues(deps.queues);
    connection.disconnect();
    await deps.db.$disconnect();
  }
}
