import { loadEnv } from '@payouts/config';
import { serveMetrics } from '@payouts/metrics';
import { keepSchedulers } from './scheduler-keeper.ts';
import { startWorkers } from './start-workers.ts';
import { makeWorkerDeps } from './worker-deps.ts';

const env = loadEnv();
const deps = makeWorkerDeps(env);
// Before the workers start: a second worker on this machine finds the port taken, says so and pays on.
const metricsServer = await serveMetrics(deps.metrics.registry, {
  host: env.METRICS_HOST,
  port: env.WORKER_METRICS_PORT,
  portVariable: 'WORKER_METRICS_PORT',
  logger: deps.logger,
});
const running = startWorkers(deps);
// As often as the reconciler runs: a lost scheduler is back within one reconcile period.
const stopKeepingSchedulers = await keepSchedulers(deps, env.RECONCILE_EVERY_MS);
deps.logger.info({ prefix: env.QUEUE_PREFIX, concurrency: env.WORKER_CONCURRENCY }, 'worker started');

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  deps.logger.info({ signal }, 'finishing active jobs before exit');
  // worker.close() has no timeout of its own: bound it, and let the stalled checker recover the rest.
  const timer = setTimeout(() => {
    deps.logger.error({ timeoutMs: env.SHUTDOWN_TIMEOUT_MS }, 'shutdown timed out; exiting with jobs active');
    process.exit(1);
  }, env.SHUTDOWN_TIMEOUT_MS);
  timer.unref();
  stopKeepingSchedulers();
  // First: a scrape while the connections close would only log errors, and exit drops the counts anyway.
  await metricsServer.close();
  await running.close();
  deps.logger.info('worker stopped');
  process.exit(0);
}

process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
