export { type ApiMetrics, makeApiMetrics, unmatchedRoute } from './api-metrics.ts';
export { type MetricsLogger, makeRegistry } from './registry.ts';
export { type MetricsServer, type MetricsServerOptions, serveMetrics } from './serve-metrics.ts';
export {
  type BatchStatusCount,
  type QueueJobCounts,
  registerSystemState,
  type SystemStateReaders,
} from './system-state.ts';
export {
  countPaidAmount,
  makeWorkerMetrics,
  type PaymentAttemptOutcome,
  paymentAttemptOutcomes,
  type WorkerMetrics,
} from './worker-metrics.ts';
