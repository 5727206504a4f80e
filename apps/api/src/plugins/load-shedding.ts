import underPressure from '@fastify/under-pressure';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ApiDeps } from '../api-deps.ts';
import { HttpError } from './error-handler.ts';

/** Seconds a shed client is told to wait; pressure is measured over 1 s, so it is over by then or shed again. */
export const shedRetryAfterSeconds = 5;

function refuse(reply: FastifyReply): never {
  reply.header('retry-after', shedRetryAfterSeconds);
  throw new HttpError('UNAVAILABLE', `the server is overloaded; retry in ${shedRetryAfterSeconds} s`);
}

/**
 * Answers 503 UNAVAILABLE with Retry-After, before any other work (no Redis, no key look-up), while the
 * process is overloaded, so that a client is refused at once instead of timing out, and the requests
 * already inside finish sooner:
 * - MAX_REQUESTS_IN_FLIGHT requests are being answered already. This sees an overload wherever it queues:
 *   requests that wait for a database connection keep the event loop idle, and only their number grows.
 *   Requests with ?wait= are not counted: they hold a listener, not a connection.
 * - The mean event-loop delay over the last second is above MAX_EVENT_LOOP_DELAY_MS, or the loop was busy
 *   for more than MAX_EVENT_LOOP_UTILIZATION of it (a CPU-bound overload), or the V8 heap in use is above
 *   MAX_HEAP_USED_MB (@fastify/under-pressure).
 * Each is off at 0. /healthz still answers (a liveness probe that failed under load would restart a busy
 * but healthy process); /readyz answers 503, so a load balancer routes elsewhere.
 */
export async function loadShedding(app: FastifyInstance, deps: Pick<ApiDeps, 'env'>) {
  const { MAX_EVENT_LOOP_DELAY_MS, MAX_EVENT_LOOP_UTILIZATION, MAX_HEAP_USED_MB, MAX_REQUESTS_IN_FLIGHT } = deps.env;
  if (MAX_REQUESTS_IN_FLIGHT > 0) limitRequestsInFlight(app, MAX_REQUESTS_IN_FLIGHT);
  if (MAX_EVENT_LOOP_DELAY_MS === 0 && MAX_EVENT_LOOP_UTILIZATION === 0 && MAX_HEAP_USED_MB === 0) return;
  await app.register(underPressure, {
    maxEventLoopDelay: MAX_EVENT_LOOP_DELAY_MS,
    maxEventLoopUtilization: MAX_EVENT_LOOP_UTILIZATION,
    maxHeapUsedBytes: MAX_HEAP_USED_MB * 1024 * 1024,
    // A rejected promise goes to the error handler (our error shape); undefined lets the request through.
    pressureHandler: async (request, reply) => {
      if (request.routeOptions.url === '/healthz') return;
      refuse(reply);
    },
  });
}

function limitRequestsInFlight(app: FastifyInstance, max: number) {
  let inFlight = 0;
  app.addHook('onRequest', async (request, reply) => {
    if (request.url === '/healthz' || 'wait' in (request.query as object)) return;
    if (inFlight >= max) refuse(reply);
    inFlight++;
    // 'close' comes once however the answer ends: sent, failed, or the client gone.
    reply.raw.once('close', () => {
      inFlight--;
    });
  });
}
