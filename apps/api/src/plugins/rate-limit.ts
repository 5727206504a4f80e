import { createHash } from 'node:crypto';
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import type { ApiDeps } from '../api-deps.ts';
import { readApiKey } from './auth.ts';
import { HttpError } from './error-handler.ts';

const windowMs = 60_000;

declare module 'fastify' {
  interface FastifyInstance {
    authFailures: AuthFailureLimiter;
  }
}

/**
 * Who a request counts against: the API key it carries, hashed (keys never sit in Redis), whatever the
 * header's form (Bearer in any case, Basic with any user name); without a key, its address.
 */
export function rateLimitKey(request: FastifyRequest): string {
  const key = readApiKey(request);
  return key ? `key:${createHash('sha256').update(key).digest('hex')}` : `ip:${request.ip}`;
}

/** RATE_LIMIT_PER_MINUTE requests per minute per key, shared by every API process through Redis. */
export async function rateLimit(app: FastifyInstance, deps: ApiDeps) {
  await app.register(fastifyRateLimit, {
    global: true,
    max: deps.env.RATE_LIMIT_PER_MINUTE,
    timeWindow: windowMs,
    redis: deps.redis,
    nameSpace: `${deps.env.QUEUE_PREFIX}:rate-limit:`,
    keyGenerator: rateLimitKey,
    // Redis down: serve (readyz says it is down) rather than refuse everyone.
    skipOnError: true,
    allowList: (request) => request.url === '/healthz' || request.url === '/readyz',
    errorResponseBuilder: (_request, context) =>
      new HttpError('RATE_LIMITED', `too many requests: at most ${context.max} a minute; retry in ${context.after}`),
  });
  app.decorate(
    'authFailures',
    makeAuthFailureLimiter(deps.redis, `${deps.env.QUEUE_PREFIX}:auth-failures:`, deps.env.AUTH_FAILURES_PER_MINUTE),
  );
}

export interface AuthFailureLimiter {
  /** Milliseconds until this address may try again, or 0 when it may try now. */
  blockedFor(address: string): Promise<number>;
  recordFailure(address: string): Promise<void>;
}

/**
 * Failed authentications per address and minute, counted in Redis. Checked before a key is looked up,
 * so guessing keys (each a new key, so a new bucket of the per-key limit) costs no database work past
 * the limit. Redis down: no limit, as above.
 */
export function makeAuthFailureLimiter(redis: Redis, prefix: string, max: number): AuthFailureLimiter {
  const keyOf = (address: string) => `${prefix}${address}`;
  return {
    async blockedFor(address) {
      try {
        const [count, ttl] = await Promise.all([redis.get(keyOf(address)), redis.pttl(keyOf(address))]);
        return Number(count ?? 0) >= max ? Math.max(ttl, 1) : 0;
      } catch {
        return 0;
      }
    },
    async recordFailure(address) {
      try {
        await redis.multi().incr(keyOf(address)).pexpire(keyOf(address), windowMs, 'NX').exec();
      } catch {
        // counting is best effort
      }
    },
  };
}
