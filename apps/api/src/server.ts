import { loadEnv } from '@payouts/config';
import { serveMetrics } from '@payouts/metrics';
import { closeApiDeps, makeApiDeps } from './api-deps.ts';
import { buildApp } from './app.ts';
import { riseWebhookPath } from './routes/webhooks.routes.ts';

const env = loadEnv();
const deps = makeApiDeps(env);
const app = await buildApp(deps, { loggerInstance: deps.logger });
if (!env.RISE_WEBHOOK_SECRET) app.log.info(`RISE_WEBHOOK_SECRET is not set: ${riseWebhookPath} answers 503`);

// Its own loopback port, without an API key; the API's port has no /metrics. A taken port only logs a warning.
const metricsServer = await serveMetrics(deps.metrics.registry, {
  host: env.METRICS_HOST,
  port: env.METRICS_PORT,
  portVariable: 'METRICS_PORT',
  logger: deps.logger,
});

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  app.log.info({ signal }, 'closing');
  setTimeout(() => process.exit(1), env.SHUTDOWN_TIMEOUT_MS).unref();
  await metricsServer.close();
  await app.close();
  await closeApiDeps(deps);
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));

await app.listen({ host: env.HOST, port: env.PORT });
