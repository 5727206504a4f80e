import { createPayoutAccount, listPayoutAccounts } from '@payouts/core';
import { startAccountSync } from '@payouts/operations';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiDeps } from '../api-deps.ts';
import { actorOf, requireRole, roles } from '../plugins/auth.ts';
import { idempotency } from '../plugins/idempotency.ts';
import { bodyErrors, errorAnswers, idempotencyKeyHeaders, jobAccepted } from '../plugins/openapi.ts';
import { accountListAnswer, createdAccountAnswer } from './riseworks.responses.ts';
import { idParam, pageQueryFields } from './schemas.ts';

const pageQuery = z.strictObject(pageQueryFields);

const createAccountBody = z.strictObject({
  affiliateProfileId: idParam,
  riseId: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits, _ . : and - only'),
  email: z.email().max(320),
});

export async function riseworksRoutes(parent: FastifyInstance, deps: ApiDeps) {
  const app = parent.withTypeProvider<ZodTypeProvider>();
  const idempotent = idempotency(deps.db);

  app.get(
    '/riseworks/accounts',
    {
      onRequest: requireRole(deps.db, roles.readers),
      schema: {
        tags: ['riseworks'],
        summary:
          "Payout (RiseWorks) accounts with their affiliate's name and e-mail, newest first; pages with limit and cursor",
        querystring: pageQuery,
        response: {
          200: accountListAnswer,
          ...errorAnswers(403),
        },
      },
    },
    async (request) => {
      const page = await listPayoutAccounts(deps, request.query);
      return { accounts: page.items, nextCursor: page.nextCursor };
    },
  );

  app.post(
    '/riseworks/accounts',
    {
      onRequest: requireRole(deps.db, roles.accountCreators),
      schema: {
        tags: ['riseworks'],
        summary: 'Link an affiliate to its RiseWorks account (KYC PENDING); 409 when either already has one',
        body: createAccountBody,
        response: {
          201: createdAccountAnswer,
          ...errorAnswers(403, 404, 409, ...bodyErrors),
        },
      },
    },
    async (request, reply) => {
      const account = await createPayoutAccount(deps, request.body, actorOf(request));
      return reply.status(201).send({ account });
    },
  );

  app.post(
    '/riseworks/sync',
    {
      onRequest: requireRole(deps.db, roles.workStarters),
      preHandler: idempotent.preHandler,
      onSend: idempotent.onSend,
      schema: {
        tags: ['riseworks'],
        summary: "Refresh every payout account's KYC from RiseWorks, in the background (an account-sync job)",
        body: z.strictObject({}).nullish(),
        headers: idempotencyKeyHeaders,
        response: {
          202: jobAccepted,
          ...errorAnswers(403, 409, ...bodyErrors, 422),
        },
      },
    },
    async (request, reply) => {
      const job = await startAccountSync(deps, actorOf(request));
      return reply.status(202).send({ jobId: job.id ?? '' });
    },
  );
}
