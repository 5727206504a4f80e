import Fastify, { type FastifyServerOptions } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { ApiDeps } from './api-deps.ts';
import { bullBoard } from './plugins/bull-board.ts';
import { registerErrorHandler } from './plugins/error-handler.ts';
import { batchesRoutes } from './routes/batches.routes.ts';
import { healthRoutes } from './routes/health.routes.ts';
import { jobsRoutes } from './routes/jobs.routes.ts';

/** Builds the HTTP app; knows nothing of the process (server.ts listens, tests inject). */
export async function buildApp(deps: ApiDeps, options: FastifyServerOptions = {}) {
  const app = Fastify({ bodyLimit: 1024 * 1024, ...options });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandler(app);

  await app.register(healthRoutes, deps);
  await app.register(
    async (api) => {
      await api.register(batchesRoutes, deps);
      await api.register(jobsRoutes, deps);
    },
    { prefix: '/api/disbursement' },
  );
  if (deps.env.BULL_BOARD_ENABLED) await app.register(bullBoard, deps);
  return app;
}
