import { loadEnv } from '@payouts/config';
import { closeApiDeps, makeApiDeps } from './api-deps.ts';
import { buildApp } from './app.ts';
import { riseWebhookPath } from './routes/webhooks.routes.ts';

const env = loadEnv();
const deps = makeApiDeps(env);
const app = await buildApp(deps, { loggerInstance: deps.logger });
if (!env.RISE_WEBHOOK_SECRET) app.log.info(`RISE_WEBHOOK_SECRET is not set: ${riseWebhookPath} answers 503`);

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  app.log.info({ signal }, 'closing');
  setTimeout(() => process.exit(1), env.SHUTDOWN_TIMEOUT_MS).unref();
  await app.close();
  await closeApiDeps(deps);
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));

await app.listen({ host: env.HOST, port: env.PORT });
