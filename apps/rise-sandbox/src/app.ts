import Fastify, { type FastifyInstance } from 'fastify';
import { authRoutes } from './auth.routes.ts';
import type { SandboxOptions } from './config.ts';
import { controlsRoutes } from './controls.routes.ts';
import { makeContext, type SandboxDeps } from './deps.ts';
import { ensureLedger } from './ledger.ts';
import { payeesRoutes } from './payees.routes.ts';
import { paymentsRoutes } from './payments.routes.ts';

export type { SandboxOptions, SandboxTeam } from './config.ts';
export type { SandboxDeps } from './deps.ts';

/** Builds the Rise v2 imitation. Creates its ledger schema in the pool's database (idempotent). */
export async function buildSandbox(deps: SandboxDeps, options: SandboxOptions): Promise<FastifyInstance> {
  const ctx = makeContext(deps, options);
  await ensureLedger(ctx.pool, ctx.team);

  const app = Fastify({ logger: options.logger ?? false, forceCloseConnections: true });

  app.setNotFoundHandler((_request, reply) => reply.status(404).send({ success: false, data: 'not found' }));
  app.setErrorHandler((error: { statusCode?: number; message: string }, request, reply) => {
    const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) request.log.error({ err: error }, 'sandbox error');
    return reply
      .status(status)
      .send({ success: false, data: status === 500 ? 'INTERNAL_SERVER_ERROR' : error.message });
  });
  app.addHook('onClose', async () => {
    for (const release of [...ctx.holds]) release();
    await ctx.webhooks.close();
  });

  authRoutes(app, ctx);
  paymentsRoutes(app, ctx);
  payeesRoutes(app, ctx);
  if (options.controls ?? true) controlsRoutes(app, ctx);
  return app;
}
