import { readProviderSuspension } from '@payouts/operations';
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../api-deps.ts';
import { errorBody } from '../plugins/error-handler.ts';

const withTimeout = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref()),
  ]);

async function check(probe: () => Promise<unknown>): Promise<'ok' | 'down'> {
  try {
    await withTimeout(probe(), 2000);
    return 'ok';
  } catch {
    return 'down';
  }
}

/**
 * /healthz: the process answers. /readyz: Postgres and Redis answer too, and whether paying is paused
 * because the provider refuses every payment (its code, e.g. INSUFFICIENT_BALANCE). No auth: nothing secret.
 */
export async function healthRoutes(app: FastifyInstance, deps: ApiDeps) {
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    const [postgres, redis] = await Promise.all([
      check(() => deps.db.$queryRaw`SELECT 1`),
      check(() => deps.redis.ping()),
    ]);
    // Paying paused because the provider refuses every payment: the API still serves, but say why.
    const suspension = redis === 'ok' ? await readProviderSuspension(deps).catch(() => null) : null;
    const provider = suspension ? { status: 'suspended', ...suspension } : { status: 'ok' };
    if (postgres === 'ok' && redis === 'ok') return { status: 'ready', postgres, redis, provider };
    return reply.status(503).send({ ...errorBody('UNAVAILABLE', 'a dependency is down'), postgres, redis });
  });
}
