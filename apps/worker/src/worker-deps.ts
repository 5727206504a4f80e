import type { Env } from '@payouts/config';
import { countBatchesByStatus, type PaymentDeps } from '@payouts/core';
import { type Db, makeDb } from '@payouts/db';
import { makeWorkerMetrics, registerSystemState, type WorkerMetrics } from '@payouts/metrics';
import { type OperationsDeps, payoutRulesFromEnv } from '@payouts/operations';
import { makeMockProvider, makeRiseProvider, mockFaultsFromEnv, type PaymentProvider } from '@payouts/providers';
import { countJobsByState, makeFlowProducer, makeQueues, makeRedis, QueueName, type Queues } from '@payouts/queue';
import type { FlowProducer } from 'bullmq';
import type { Redis } from 'ioredis';
import { type Logger, pino } from 'pino';
import { withProviderMetrics } from './timed-provider.ts';

/** Everything the processors use, made once per process and closed on shutdown. */
export interface WorkerDeps extends PaymentDeps, OperationsDeps {
  env: Env;
  logger: Logger;
  redisUrl: string;
  prefix: string;
  connection: Redis;
  queues: Queues;
  flowProducer: FlowProducer;
  /** This process's metrics (its own registry); main.ts serves them at WORKER_METRICS_PORT. */
  metrics: WorkerMetrics;
  /**
   * Aborted when the workers start to close: a long maintenance pass (the reconciler's provider look-ups,
   * one at a time) stops between items, so that shutdown waits seconds, not the whole pass.
   */
  stopping: AbortController;
}

export function makeProvider(
  env: Env,
  db: Db,
  source: Record<string, string | undefined> = process.env,
): PaymentProvider {
  if (env.PAYOUT_PROVIDER === 'MOCK') {
    // Scripted faults (MOCK_PROVIDER_FAULTS, ...) are parsed here, at start: a bad value stops the process.
    return makeMockProvider({ db, latencyMs: env.MOCK_PROVIDER_LATENCY_MS, faults: mockFaultsFromEnv(source) });
  }
  // The environment schema refuses RISE without these, naming each missing variable.
  const { RISE_API_URL, RISE_TEAM_NANOID, RISE_RISE_ID, RISE_WALLET_PRIVATE_KEY } = env;
  if (!RISE_API_URL || !RISE_TEAM_NANOID || !RISE_RISE_ID || !RISE_WALLET_PRIVATE_KEY) {
    throw new Error(
      'PAYOUT_PROVIDER=RISE needs RISE_API_URL, RISE_TEAM_NANOID, RISE_RISE_ID and RISE_WALLET_PRIVATE_KEY',
    );
  }
  return makeRiseProvider({
    apiUrl: RISE_API_URL,
    teamNanoid: RISE_TEAM_NANOID,
    riseId: RISE_RISE_ID,
    walletPrivateKey: RISE_WALLET_PRIVATE_KEY,
    timeoutMs: env.RISE_TIMEOUT_MS,
  });
}

export function makeWorkerDeps(
  env: Env,
  overrides: { logger?: Logger; source?: Record<string, string | undefined> } = {},
): WorkerDeps {
  const db = makeDb(env.DATABASE_URL, { max: env.DATABASE_POOL_SIZE ?? env.WORKER_CONCURRENCY + 5 });
  const connection = makeRedis(env.REDIS_URL, 'worker');
  const deps = { connection, prefix: env.QUEUE_PREFIX };
  const logger = overrides.logger ?? pino({ level: env.LOG_LEVEL, name: 'worker' });
  const queues = makeQueues(deps);
  const metrics = makeWorkerMetrics();
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
    db,
    logger,
    provider: withProviderMetrics(makeProvider(env, db, overrides.source), metrics),
    claimLeaseMs: env.PAY_CLAIM_LEASE_MS,
    rules: payoutRulesFromEnv(env),
    redisUrl: env.REDIS_URL,
    prefix: env.QUEUE_PREFIX,
    connection,
    redis: connection,
    queues,
    flowProducer: makeFlowProducer(deps),
    metrics,
    stopping: new AbortController(),
  };
}
