import { createHash } from 'node:crypto';
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiDeps } from '../api-deps.ts';
import { HttpError } from './error-handler.ts';

/** Who a request counts against: its API key (hashed: keys never sit in Redis), else its address. */
function rateLimitKey(request: FastifyRequest): string {
  const authorization = request.headers.authorization;
  return authorization ? createHash('sha256').update(authorization).digest('hex') : `ip:${request.ip}`;
}

/** RATE_LIMIT_PER_MINUTE requests per minute per key, shared by every API process through Redis. */
export async function rateLimit(app: FastifyInstance, deps: ApiDeps) {
  await app.register(fastifyRateLimit, {
    global: true,
    max: deps.env.RATE_LIMIT_PER_MINUTE,
    timeWindow: 60_000,
    redis: deps.redis,
    nameSpace: `${deps.env.QUEUE_PREFIX}:rate-limit:`,
    keyGenerator: rateLimitKey,
    // Redis down: serve (readyz says it is down) rather than refuse everyone.
    skipOnError: true,
    allowList: (request) => request.url === '/healthz' || request.url === '/readyz',
    errorResponseBuilder: (_request, context) =>
      new HttpError('RATE_LIMITED', `too many requests: at most ${context.max} a minute; retry in ${context.after}`),
  });
}
