import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../api-deps.ts';
import { requireRole, roles } from './auth.ts';

export const bullBoardPath = '/admin/queues';

/** Bull Board for operators: every queue, behind admin/operator keys (Bearer, or Basic for browsers). */
export async function bullBoard(app: FastifyInstance, deps: ApiDeps) {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(bullBoardPath);
  createBullBoard({
    queues: Object.values(deps.queues).map((queue) => new BullMQAdapter(queue)),
    serverAdapter,
  });
  app.addHook('onRequest', requireRole(deps.db, roles.bullBoard, { basicChallenge: true }));
  await app.register(serverAdapter.registerPlugin(), { prefix: bullBoardPath });
}
