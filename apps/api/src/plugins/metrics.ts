import { type ApiMetrics, unmatchedRoute } from '@payouts/metrics';
import type { FastifyInstance } from 'fastify';

/**
 * Counts every answered request by method, route pattern and status, and times it. The pattern
 * (`/api/disbursement/batches/:batchId`), never the URL: ids and query strings would make a series per
 * request. Register before the routes; the metrics themselves are served on a port of their own.
 */
export function registerHttpMetrics(app: FastifyInstance, metrics: ApiMetrics) {
  app.addHook('onResponse', async (request, reply) => {
    const labels = { method: request.method, route: request.routeOptions.url ?? unmatchedRoute };
    metrics.httpRequests.inc({ ...labels, status: String(reply.statusCode) });
    metrics.httpRequestDuration.observe(labels, reply.elapsedTime / 1000);
  });
}
