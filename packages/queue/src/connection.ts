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
