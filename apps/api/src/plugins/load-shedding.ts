import underPressure from '@fastify/under-pressure';
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../api-deps.ts';
import { HttpError } from './error-handler.ts';

/** Seconds a shed client is told to wait; pressure is measured over 1 s, so it is over by then or shed again. */
export const shedRetryAfterSeconds = 5;

/**
 * Answers 503 UNAVAILABLE with Retry-After, before any other work (no Redis, no key look-up), while the
 * process is overloaded: the mean event-loop delay over the last second above MAX_EVENT_LOOP_DELAY_MS, or
 * the V8 heap in use above MAX_HEAP_USED_MB (each 0: off). A quick refusal instead of a timeout, and the
 * requests already inside finish sooner. /healthz still answers (a liveness probe that failed under load
 * would restart a busy but healthy process); /readyz answers 503, so a load balancer routes elsewhere.
 */
export async function loadShedding(app: FastifyInstance, deps: Pick<ApiDeps, 'env'>) {
  const { MAX_EVENT_LOOP_DELAY_MS, MAX_HEAP_USED_MB } = deps.env;
  if (MAX_EVENT_LOOP_DELAY_MS === 0 && MAX_HEAP_USED_MB === 0) return;
  await app.register(underPressure, {
    maxEventLoopDelay: MAX_EVENT_LOOP_DELAY_MS,
    maxHeapUsedBytes: MAX_HEAP_USED_MB * 1024 * 1024,
    // A rejected promise goes to the error handler (our error shape); undefined lets the request through.
    pressureHandler: async (request, reply) => {
      if (request.routeOptions.url === '/healthz') return;
      reply.header('retry-after', shedRetryAfterSeconds);
      throw new HttpError('UNAVAILABLE', `the server is overloaded; retry in ${shedRetryAfterSeconds} s`);
    },
  });
}
