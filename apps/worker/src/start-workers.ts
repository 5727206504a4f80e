import type { Env } from '@payouts/config';
import { PaymentRetryableError } from '@payouts/core';
import { makeRedis, paymentBackoffDelay, paymentBackoffType, QueueName } from '@payouts/queue';
import { type Processor, Worker, type WorkerOptions } from 'bullmq';
import { makeCreateBatchProcessor } from './processors/create-batch.processor.ts';
import { makeExecuteBatchProcessor } from './processors/execute-batch.processor.ts';
import { makeFinalizeBatchProcessor } from './processors/finalize-batch.processor.ts';
import { makeMaintenanceProcessor } from './processors/maintenance.processor.ts';
import { makePayTransactionProcessor } from './processors/pay-transaction.processor.ts';
import { makeProviderEventProcessor } from './processors/provider-event.processor.ts';
import type { WorkerDeps } from './worker-deps.ts';

export interface RunningWorkers {
  workers: Worker[];
  /** Stops taking jobs, waits for active ones, then closes every connection. */
  close(): Promise<void>;
}

/** Starts one BullMQ worker per queue this process serves. */
export function startWorkers(deps: WorkerDeps): RunningWorkers {
  const make = (queue: QueueName, processor: Processor, concurrency: number, options: Partial<WorkerOptions> = {}) => {
    // Each worker blocks on its own connection.
    const worker = new Worker(queue, processor, {
      connection: makeRedis(deps.redisUrl, 'worker'),
      prefix: deps.prefix,
      concurrency,
      lockDuration: deps.env.WORKER_LOCK_DURATION_MS,
      stalledInterval: deps.env.WORKER_LOCK_DURATION_MS,
      ...options,
    });
    worker.on('failed', (job, error) => {
      deps.logger.warn({ queue, jobId: job?.id, attemptsMade: job?.attemptsMade, err: error.message }, 'job failed');
    });
    worker.on('error', (error) => deps.logger.error({ queue, err: error.message }, 'worker error'));
    return worker;
  };

  const workers = [
    make(QueueName.createBatch, makeCreateBatchProcessor(deps), 1),
    make(QueueName.executeBatch, makeExecuteBatchProcessor(deps), 2),
    make(QueueName.payTransaction, makePayTransactionProcessor(deps), deps.env.WORKER_CONCURRENCY, {
      settings: { backoffStrategy: makePaymentBackoff(deps.env) },
      ...(deps.env.PROVIDER_RATE_LIMIT_PER_SECOND > 0
        ? { limiter: { max: deps.env.PROVIDER_RATE_LIMIT_PER_SECOND, duration: 1000 } }
        : {}),
    }),
    make(QueueName.finalizeBatch, makeFinalizeBatchProcessor(deps), 2),
    make(QueueName.providerEvents, makeProviderEventProcessor(deps), 4),
    make(QueueName.maintenance, makeMaintenanceProcessor(deps), 1),
  ];

  return {
    workers,
    async close() {
      deps.stopping.abort();
      // How long each queue's worker took to finish its active jobs: a slow shutdown names its queue.
      const started = performance.now();
      const closeMs: Record<string, number> = {};
      await Promise.all(
        workers.map(async (w) => {
          await w.close();
          closeMs[w.name] = Math.round(performance.now() - started);
        }),
      );
      deps.logger.info({ closeMs }, 'workers finished their active jobs');
      await Promise.all(workers.map((w) => w.disconnect()));
      await deps.flowProducer.close();
      await Promise.all(Object.values(deps.queues).map((q) => q.close()));
      deps.connection.disconnect();
      await deps.db.$disconnect();
    },
  };
}

/** Capped exponential backoff with jitter from config, never sooner than the provider's Retry-After. */
function makePaymentBackoff(env: Env) {
  const config = {
    initialMs: env.PAY_BACKOFF_MS,
    multiplier: env.PAY_BACKOFF_MULTIPLIER,
    maxMs: env.PAY_BACKOFF_MAX_MS,
    jitter: env.PAY_BACKOFF_JITTER,
  };
  return (attemptsMade: number, type?: string, error?: Error) => {
    if (type !== paymentBackoffType) throw new Error(`unknown backoff type ${type}`);
    const retryAfterMs = error instanceof PaymentRetryableError ? error.retryAfterMs : undefined;
    return paymentBackoffDelay(attemptsMade, config, retryAfterMs);
  };
}
