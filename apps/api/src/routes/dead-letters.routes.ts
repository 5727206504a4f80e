import { discardDeadLetter, replayDeadLetter } from '@payouts/operations';
import { listDeadLetters } from '@payouts/queue';
import type { FlowProducer } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiDeps } from '../api-deps.ts';
import { actorOf, requireRole, roles } from '../plugins/auth.ts';
import { bodyErrors, errorAnswers } from '../plugins/openapi.ts';
import { deadLettersAnswer, discardAnswer, replayAnswer } from './dead-letters.responses.ts';
import { idParam } from './schemas.ts';

/** Dead letters page by offset: the cursor is the `nextCursor` of the previous page. */
const listQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z
    .string()
    .regex(/^\d{1,9}$/, 'a nextCursor this API issued')
    .optional(),
});
const transactionParams = z.strictObject({ transactionId: idParam });
/** Replay and discard take no body; `{}` is accepted too. */
const noBody = z.strictObject({}).nullish();

/** Replaying needs a FlowProducer: the new attempt is a flow (pay child, finalize parent). */
export type DeadLetterDeps = ApiDeps & { flowProducer: FlowProducer };

export async function deadLettersRoutes(parent: FastifyInstance, deps: DeadLetterDeps) {
  const app = parent.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/dead-letters',
    {
      onRequest: requireRole(deps.db, roles.readers),
      schema: {
        tags: ['dead-letters'],
        summary:
          'Payments that failed for good, newest first, waiting for a replay or a discard; pages with limit and cursor',
        querystring: listQuery,
        response: {
          200: deadLettersAnswer,
          ...errorAnswers(403),
        },
      },
    },
    async (request) => {
      const page = await listDeadLetters(deps.queues, request.query);
      return {
        deadLetters: page.items.map((item) => ({
          ...item.data,
          jobId: item.jobId,
          addedAt: new Date(item.addedAt).toISOString(),
        })),
        nextCursor: page.nextCursor,
      };
    },
  );

  app.post(
    '/dead-letters/:transactionId/replay',
    {
      onRequest: requireRole(deps.db, roles.deadLetterHandlers),
      schema: {
        tags: ['dead-letters'],
        summary: 'Pay a FAILED transaction again (new idempotency key, batch reopened); 409 when not FAILED',
        params: transactionParams,
        body: noBody,
        response: {
          200: replayAnswer,
          ...errorAnswers(403, 404, 409, ...bodyErrors),
        },
      },
    },
    async (request) => {
      return replayDeadLetter(deps, request.params.transactionId, actorOf(request));
    },
  );

  app.post(
    '/dead-letters/:transactionId/discard',
    {
      onRequest: requireRole(deps.db, roles.deadLetterHandlers),
      schema: {
        tags: ['dead-letters'],
        summary: 'Give up on a FAILED transaction: CANCELLED, its commission released; 409 when not FAILED',
        params: transactionParams,
        body: noBody,
        response: {
          200: discardAnswer,
          ...errorAnswers(403, 404, 409, ...bodyErrors),
        },
      },
    },
    async (request) => {
      return discardDeadLetter(deps, request.params.transactionId, actorOf(request));
    },
  );
}
