import { collectDefaultMetrics, Registry } from 'prom-client';

/** What the metrics code logs through: pino's Logger fits. */
export interface MetricsLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

/**
 * A registry of one process's deps object, with Node's own process metrics (resident memory, CPU, heap,
 * event loop lag, GC). Never prom-client's global registry: tests build several apps and workers in one
 * process, and each must count only its own work.
 */
export function makeRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}
