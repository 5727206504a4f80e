import { Redis } from 'ioredis';

/**
 * A Redis connection for BullMQ. `maxRetriesPerRequest: null` is what BullMQ workers require;
 * producers get a bounded value so an HTTP request fails fast while Redis is down.
 */
export function makeRedis(url: string, role: 'worker' | 'producer' = 'worker'): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: role === 'worker' ? null : 3,
    enableOfflineQueue: role === 'worker',
  });
}

interface OutageLogger {
  warn(details: object, message: string): void;
  info(details: object, message: string): void;
}

/**
 * Logs a Redis outage once, and its end, instead of ioredis printing "Unhandled error event" to stderr
 * at every reconnection attempt (it does when nobody listens for errors).
 */
export function logRedisOutages(redis: Redis, logger: OutageLogger, connection: string): Redis {
  let down = false;
  redis.on('error', (error: Error) => {
    if (down) return;
    down = true;
    logger.warn({ connection, err: error.message }, 'redis unreachable; reconnecting');
  });
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    logger.info({ connection }, 'redis reachable again');
  });
  return redis;
}
