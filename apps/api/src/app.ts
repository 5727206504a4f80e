import Fastify, { type FastifyServerOptions } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { ApiDeps } from './api-deps.ts';
import { bullBoard } from './plugins/bull-board.ts';
import { earlyErrorOptions, registerUrlLimit } from './plugins/early-errors.ts';
import { registerErrorHandler } from './plugins/error-handler.ts';
import { registerInputGuard } from './plugins/input-guard.ts';
import { loadShedding } from './plugins/load-shedding.ts';
import { registerHttpMetrics } from './plugins/metrics.ts';
import { openApiSpec, openApiUi } from './plugins/openapi.ts';
import { rateLimit } from './plugins/rate-limit.ts';
import { securityHeaders } from './plugins/security-headers.ts';
import { affiliatesRoutes } from './routes/affiliates.routes.ts';
import { auditLogsRoutes } from './routes/audit-logs.routes.ts';
import { batchLifecycleRoutes } from './routes/batch-lifecycle.routes.ts';
import { batchesRoutes } from './routes/batches.routes.ts';
import { deadLettersRoutes } from './routes/dead-letters.routes.ts';
import { healthRoutes } from './routes/health.routes.ts';
import { jobsRoutes } from './routes/jobs.routes.ts';
import { providerEventsRoutes } from './routes/provider-events.routes.ts';
import { reportsRoutes } from './routes/reports.routes.ts';
import { riseworksRoutes } from './routes/riseworks.routes.ts';
import { schedulesRoutes } from './routes/schedules.routes.ts';
import { webhooksRoutes } from './routes/webhooks.routes.ts';

export const apiPrefix = '/api/disbursement';

declare module 'fastify' {
  interface FastifyInstance {
    apiRoutes: { method: string; url: string }[];
  }
}

/** Builds the HTTP app; knows nothing of the process (server.ts listens, tests inject). */
export async function buildApp(deps: ApiDeps, options: FastifyServerOptions = {}) {
  const app = Fastify({ bodyLimit: 1024 * 1024, ...earlyErrorOptions, ...options });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandler(app);
  registerHttpMetrics(app, deps.metrics);
  // Every API route (the admin API and the webhooks), as registered: the OpenAPI test checks the document lists each one.
  const apiRoutes: { method: string; url: string }[] = [];
  app.decorate('apiRoutes', apiRoutes);
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api/')) return;
    for (const method of [route.method].flat()) if (method !== 'HEAD') apiRoutes.push({ method, url: route.url });
  });

  // Headers first, so that every answer has them (rate limit and auth answer in onRequest too).
  await securityHeaders(app, deps);
  // Then an overloaded process refuses at once, before any Redis or database work.
  await loadShedding(app, deps);
  registerUrlLimit(app);
  registerInputGuard(app);
  await rateLimit(app, deps);
  await openApiSpec(app);
  await app.register(healthRoutes, deps);
  await app.register(
    async (api) => {
      await api.register(batchesRoutes, deps);
      await api.register(jobsRoutes, deps);
      await api.register(affiliatesRoutes, deps);
      await api.register(riseworksRoutes, deps);
      await api.register(batchLifecycleRoutes, deps);
      await api.register(deadLettersRoutes, deps);
      await api.register(auditLogsRoutes, deps);
      await api.register(schedulesRoutes, deps);
      await api.register(providerEventsRoutes, deps);
      await api.register(reportsRoutes, deps);
    },
    { prefix: apiPrefix },
  );
  // Signed by the provider, not keyed: outside the admin API, with a body parser of its own.
  await app.register(webhooksRoutes, deps);
  await app.register(openApiUi, deps);
  if (deps.env.BULL_BOARD_ENABLED) await app.register(bullBoard, deps);
  return app;
}
