import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../api-deps.ts';
import { requireRole, roles } from './auth.ts';
import { errorBody } from './error-handler.ts';

export const bullBoardPath = '/admin/queues';
const readMethods = new Set(['GET', 'HEAD']);

/**
 * Bull Board for operators: every queue, behind admin/operator keys (Bearer, or Basic for browsers),
 * read-only. It watches; it never acts: adding, retrying, promoting, cleaning or removing jobs,
 * pausing queues or changing schedulers would start or stop work that only the API may decide on.
 * Bull Board's read-only mode hides those actions and refuses them; the hook below refuses every
 * method but GET and HEAD before Bull Board sees the request, whatever its version does.
 */
export async function bullBoard(app: FastifyInstance, deps: ApiDeps) {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(bullBoardPath);
  createBullBoard({
    queues: Object.values(deps.queues).map((queue) => new BullMQAdapter(queue, { readOnlyMode: true })),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'Payouts' } },
  });
  app.addHook('onRequest', requireRole(deps.db, roles.boardViewers, { basicChallenge: true }));
  app.addHook('onRequest', async (request, reply) => {
    if (readMethods.has(request.method)) return;
    request.log.warn(
      { url: request.url, method: request.method, keyId: request.apiKey?.id },
      'Bull Board is read-only',
    );
    return reply
      .status(405)
      .header('allow', 'GET, HEAD')
      .send(errorBody('METHOD_NOT_ALLOWED', 'Bull Board is read-only: act through the API'));
  });
  await app.register(serverAdapter.registerPlugin(), { prefix: bullBoardPath });
}
