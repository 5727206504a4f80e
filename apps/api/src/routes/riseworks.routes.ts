import { randomUUID } from 'node:crypto';
import { createPayoutAccount, listPayoutAccounts } from '@payouts/core';
import { MaintenanceJob } from '@payouts/queue';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiDeps } from '../api-deps.ts';
import { actorOf, requireRole, roles } from '../plugins/auth.ts';
import { idempotency } from '../plugins/idempotency.ts';
import { answers, jobAccepted } from '../plugins/openapi.ts';
import { startRecordedJob } from '../recorded-jobs.ts';
import { idParam } from './schemas.ts';

/** `?limit=` (default 50, max 200) and `?cursor=` (the `nextCursor` of the previous page). */
const pageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[A-Za-z0-9_-]+$/, 'a nextCursor this API issued')
    .optional(),
});

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
      onRequest: requireRole(deps.db, roles.read),
      schema: {
        tags: ['riseworks'],
        summary: "Payout (RiseWorks) accounts with their affiliate's name and e-mail, newest first",
        querystring: pageQuery,
        response: answers({ 200: z.any().describe('{ accounts, nextCursor }') }),
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
      onRequest: requireRole(deps.db, ['admin']),
      schema: {
        tags: ['riseworks'],
        summary: 'Link an affiliate to its RiseWorks account (KYC PENDING); 409 when either already has one',
        body: createAccountBody,
        response: answers({ 201: z.any().describe('{ account }') }),
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
      onRequest: requireRole(deps.db, roles.startWork),
      preHandler: idempotent.preHandler,
      onSend: idempotent.onSend,
      schema: {
        tags: ['riseworks'],
        summary: "Refresh every payout account's KYC from RiseWorks, in the background (an account-sync job)",
        body: z.strictObject({}).nullish(),
        response: answers({ 202: jobAccepted }),
      },
    },
    async (request, reply) => {
      const job = await startRecordedJob(
        deps,
        MaintenanceJob.accountSync,
        `account-sync-${randomUUID()}`,
        {},
        actorOf(request),
      );
      return reply.status(202).send({ jobId: job.id ?? '' });
    },
  );
}
