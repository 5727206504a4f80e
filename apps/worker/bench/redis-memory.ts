import { closeQueues, makeQueues, makeRedis } from '@payouts/queue';

/** Reads a field of INFO memory. */
const field = (info: string, name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? 0);

/**
 * used_memory of the whole Redis server (INFO memory), in bytes, once its background frees are done:
 * the server is shared, so compare a run's figures with the one taken before it.
 */
export async function redisUsedMemory(redisUrl: string): Promise<number> {
  const redis = makeRedis(redisUrl, 'worker');
  try {
    for (let waited = 0; ; waited += 50) {
      const info = await redis.info('memory');
      if (field(info, 'lazyfree_pending_objects') === 0 || waited >= 5000) return field(info, 'used_memory');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    redis.disconnect();
  }
}

/**
 * What the queues hold once retention has run its course: every completed job (kept 24 h) and failed
 * job (7 days) of every queue under the prefix removed, as `removeOnComplete`/`removeOnFail` age them out.
 */
export async function applyRetention(redisUrl: string, prefix: string): Promise<void> {
  const connection = makeRedis(redisUrl, 'worker');
  const queues = makeQueues({ connection, prefix });
  try {
    for (const queue of Object.values(queues)) {
      await queue.clean(0, 0, 'completed');
      await queue.clean(0, 0, 'failed');
    }
  } finally {
    await closeQueues(queues);
    connection.disconnect();
  }
}
