import type { Env } from '@payouts/config';
import { closeQueues, makeFlowProducer, makeQueues, makeRedis, type Queues } from '@payouts/queue';

export interface QueueClient {
  queues: Queues;
  flowProducer: ReturnType<typeof makeFlowProducer>;
}

/** Runs `fn` with the queues of QUEUE_PREFIX and always closes them, so the process can exit. */
export async function withQueues<T>(env: Env, fn: (client: QueueClient) => Promise<T>): Promise<T> {
  const connection = makeRedis(env.REDIS_URL, 'worker');
  const deps = { connection, prefix: env.QUEUE_PREFIX };
  const client = { queues: makeQueues(deps), flowProducer: makeFlowProducer(deps) };
  try {
    return await fn(client);
  } finally {
    await client.flowProducer.close();
    await closeQueues(client.queues);
    connection.disconnect();
  }
}
