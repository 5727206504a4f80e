import { makeRedis, QueueName } from '@payouts/queue';
import { type Processor, Worker } from 'bullmq';
import { makeCreateBatchProcessor } from './processors/create-batch.processor.ts';
import { makeExecuteBatchProcessor } from './processors/execute-batch.processor.ts';
import { makeFinalizeBatchProcessor } from './processors/finalize-batch.processor.ts';
import { makePayTransactionProcessor } from './processors/pay-transaction.processor.ts';
import type { WorkerDeps } from './worker-deps.ts';

export interface RunningWorkers {
  workers: Worker[];
  /** Stops taking jobs, waits for active ones, then closes every connection. */
  close(): Promise<void>;
}

/** Starts one BullMQ worker per queue this process serves. */
export function startWorkers(deps: WorkerDeps): RunningWorkers {
  const make = (queue: QueueName, processor: Processor, concurrency: number) => {
    // Each worker blocks on its own connection; BullMQ duplicates the one it is given.
    const worker = new Worker(queue, processor, {
      connection: makeRedis(deps.redisUrl, 'worker'),
      prefix: deps.prefix,
      concurrency,
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
    make(QueueName.payTransaction, makePayTransactionProcessor(deps), deps.env.WORKER_CONCURRENCY),
    make(QueueName.finalizeBatch, makeFinalizeBatchProcessor(deps), 2),
  ];

  return {
    workers,
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      await Promise.all(workers.map((w) => w.disconnect()));
      await deps.flowProducer.close();
      await Promise.all(Object.values(deps.queues).map((q) => q.close()));
      deps.connection.disconnect();
      await deps.db.$disconnect();
    },
  };
}
