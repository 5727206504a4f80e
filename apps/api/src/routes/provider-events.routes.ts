import { getProviderEvent, listProviderEvents, listReversals } from '@payouts/core';
import { ProviderEventStatus } from '@payouts/db';
import { replayProviderEvent } from '@payouts/operations';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiDeps } from '../api-deps.ts';
import { actorOf, requireRole, roles } from '../plugins/auth.ts';
import { bodyErrors, errorAnswers } from '../plugins/openapi.ts';
import {
  providerEventAnswer,
  providerEventReplayAnswer,
  providerEventsAnswer,
  reversalsAnswer,
} from './provider-events.responses.ts';
import { idParam, isoInstant, pageQueryFields, text, timeRange } from './schemas.ts';

const eventsQuery = z.strictObject({
  ...pageQueryFields,
  status: z.enum(ProviderEventStatus).optional(),
  eventType: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _, . and - only')
    .optional(),
  transactionId: idParam.optional(),
  providerPaymentId: text({ max: 500 }).optional(),
  from: isoInstant.optional(),
  to: isoInstant.optional(),
});
const eventParams = z.strictObject({ id: idParam });
/** Replay takes no body; `{}` is accepted too. */
const noBody = z.strictObject({}).nullish();

export async function providerEventsRoutes(parent: FastifyInstance, deps: ApiDeps) {
  const app = parent.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/provider-events',
    {
      onRequest: requireRole(deps.db, roles.readers),
      schema: {
        tags: ['provider-events'],
        summary:
          'Stored provider webhooks, newest received first, by status, type, transaction, provider payment and time received [from, to); pages with limit and cursor',
        querystring: eventsQuery,
        response: {
          200: providerEventsAnswer,
          ...errorAnswers(403),
        },
      },
    },
    async (request) => {
      const { from, to, ...rest } = request.query;
      const page = await listProviderEvents(deps, { ...rest, ...timeRange({ from, to }) });
      return { providerEvents: page.items, nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/provider-events/:id',
    {
      onRequest: requireRole(deps.db, roles.readers),
      schema: {
        tags: ['provider-events'],
        summary: 'One stored provider webhook with its payload (never its signature)',
        params: eventParams,
        response: {
          200: providerEventAnswer,
          ...errorAnswers(403, 404),
        },
      },
    },
    async (request) => {
      return { providerEvent: await getProviderEvent(deps, request.params.id) };
    },
  );

  app.post(
    '/provider-events/:id/replay',
    {
      onRequest: requireRole(deps.db, roles.deadLetterHandlers),
      schema: {
        tags: ['provider-events'],
        summary:
          'Apply a FAILED, CONFLICT, IGNORED or WAITING event again: back to RECEIVED, with a new job; 409 for any other status',
        params: eventParams,
        body: noBody,
        response: {
          202: providerEventReplayAnswer,
          ...errorAnswers(403, 404, 409, ...bodyErrors),
        },
      },
    },
    async (request, reply) => {
      const replay = await replayProviderEvent(deps, request.params.id, actorOf(request));
      return reply
        .status(202)
        .send({ jobId: replay.jobId, eventId: replay.eventId, previousStatus: replay.previousStatus });
    },
  );

  app.get(
    '/reversals',
    {
      onRequest: requireRole(deps.db, roles.readers),
      schema: {
        tags: ['provider-events'],
        summary:
          "Payments the provider removed (REVERSED), newest first, with the commission's status now and the transaction paying it again; pages with limit and cursor",
        querystring: z.strictObject(pageQueryFields),
        response: {
          200: reversalsAnswer,
          ...errorAnswers(403),
        },
      },
    },
    async (request) => {
      const page = await listReversals(deps, request.query);
      return { reversals: page.items, nextCursor: page.nextCursor };
    },
  );
}
