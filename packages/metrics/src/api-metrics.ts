import { Counter, Histogram, type Registry } from 'prom-client';
import { makeRegistry } from './registry.ts';

/** The route label of a request that matched no route: one value, never the raw URL. */
export const unmatchedRoute = 'unmatched';

/** Seconds; an API request that enqueues answers in milliseconds, one with `?wait=` in up to seconds. */
const httpDurationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export interface ApiMetrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpRequestDuration: Histogram<'method' | 'route'>;
  webhookReceipts: Counter<'provider' | 'outcome' | 'status'>;
}

/** The API process's metrics, in a registry of their own. */
export function makeApiMetrics(): ApiMetrics {
  const registry = makeRegistry();
  const webhookReceipts = new Counter({
    name: 'payouts_webhook_receipts_total',
    help:
      'Provider webhooks received, by outcome: accepted (stored, a worker applies it), duplicate (stored ' +
      'before, nothing changed) or refused, with the HTTP status answered',
    labelNames: ['provider', 'outcome', 'status'],
    registers: [registry],
  });
  for (const outcome of ['accepted', 'duplicate'])
    webhookReceipts.inc({ provider: 'riseworks', outcome, status: '200' }, 0);
  return {
    registry,
    httpRequests: new Counter({
      name: 'payouts_http_requests_total',
      help: `HTTP requests answered, by method, route pattern (${unmatchedRoute} when no route matched) and status code`,
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    httpRequestDuration: new Histogram({
      name: 'payouts_http_request_duration_seconds',
      help: 'Time from receiving an HTTP request to having answered it, by method and route pattern',
      labelNames: ['method', 'route'],
      buckets: httpDurationBuckets,
      registers: [registry],
    }),
    webhookReceipts,
  };
}
