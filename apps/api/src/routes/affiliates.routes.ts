import { getAffiliateDetails, listOpenCommissions, pagePayableAffiliates } from '@payouts/core';
import { payAffiliateNow } from '@payouts/operations';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiDeps } from '../api-deps.ts';
import { actorOf, requireRole, roles } from '../plugins/auth.ts';
import { idempotency } from '../plugins/idempotency.ts';
import { bodyErrors, errorAnswers, idempotencyKeyHeaders } from '../plugins/openapi.ts';
import {
  affiliateAnswer,
  affiliatePayoutAnswer,
  commissionsAnswer,
  payableAffiliatesAnswer,
} from './affiliates.responses.ts';
import { idParam, pageQueryFields } from './schemas.ts';

const pageQuery = z.strictObject(pageQueryFields);

const affiliateParams = z.strictObject({ affiliateId: idParam });
/** No body at all is `{}`. */
const payoutBody = z.strictObject({ execute: z.boolean().optional() }).nullish();

export async function affiliatesRoutes(parent: FastifyInstance, deps: ApiDeps) {
  const app = parent.withTypeProvider<ZodTypeProvider>();
  const idempotent = idempotency(deps.db);

  app.get(
    '/affiliates/payable',
    {
      onRequest: requireRole(deps.db, roles.readers),
      schema: {
        tags: ['affiliates'],
        summary:
          'Everyone with open commissions: amounts, payout account, whether payable now and why not; pages with limit and cursor (summary over everyone)',
        querystring: pageQuery,
        response: {
          200: payableAffiliatesAnswer,
          ...errorAnswers(403),
        },
      },
    },
    async (request) => {
      const page = await pagePayableAffiliates(deps, {
        minPayout: deps.rules.minPayout,
        limit: request.query.limit,
        cursor: request.query.cursor,
      });
      return {
        affiliates: page.items.map((a) => ({
          id: a.affiliateId,
          fullName: a.fullName,
          email: a.email,
          country: a.country,
          pendingAmount: a.pendingAmount,
          paidAmount: a.paidAmount,
          pendingCommissionCount: a.commissionCount,
          oldestPendingDate: a.oldestCommissionAt.toISOString(),
          readyForPayout: a.eligible,
          reason: a.reason,
          riseAccount: {
            hasAccount: a.payoutAccount !== null,
            riseId: a.payoutAccount?.riseId ?? null,
            kycStatus: a.payoutAccount?.kycStatus ?? null,
            canReceivePayments: a.payoutAccount?.kycStatus === 'APPROVED',
          },
        })),
        summary: page.summary,
        nextCursor: page.nextCursor,
      };
    },
  );

  app.get(
    '/affiliates/:affiliateId',
    {
      onRequest: requireRole(deps.db, roles.readers),
      schema: {
        tags: ['affiliates'],
        summary: 'An affiliate with its payout account and open commissions (the newest 200)',
        params: affiliateParams,
        response: {
          200: affiliateAnswer,
          ...errorAnswers(403, 404),
        },
      },
    },
    async (request) => ({ affiliate: await getAffiliateDetails(deps, request.params.affiliateId) }),
  );

  app.get(
    '/affiliates/:affiliateId/commissions',
    {
      onRequest: requireRole(deps.db, roles.readers),
      schema: {
        tags: ['affiliates'],
        summary:
          "An affiliate's open commissions (APPROVED, in no live transaction), newest first; pages with limit and cursor",
        params: affiliateParams,
        querystring: pageQuery,
        response: {
          200: commissionsAnswer,
          ...errorAnswers(403, 404),
        },
      },
    },
    async (request) => {
      const page = await listOpenCommissions(deps, request.params.affiliateId, request.query);
      return { commissions: page.items, summary: page.summary, nextCursor: page.nextCursor };
    },
  );

  app.post(
    '/affiliates/:affiliateId/payout',
    {
      onRequest: requireRole(deps.db, roles.workStarters),
      preHandler: idempotent.preHandler,
      onSend: idempotent.onSend,
      schema: {
        tags: ['affiliates'],
        summary:
          'A batch paying one affiliate now (422 NO_PAYABLE_AFFILIATES with the reason when not payable); accepts Idempotency-Key',
        params: affiliateParams,
        body: payoutBody,
        headers: idempotencyKeyHeaders,
        response: {
          201: affiliatePayoutAnswer,
          ...errorAnswers(403, 404, 409, ...bodyErrors, 422),
        },
      },
    },
    async (request, reply) => {
      const execute = request.body?.execute ?? false;
      const { batches, jobIds } = await payAffiliateNow(
        deps,
        request.params.affiliateId,
        { execute },
        actorOf(request),
      );
      // More commissions than MAX_BATCH_SIZE make several batches: each one is executed.
      const [batch] = batches;
      if (!execute) return reply.status(201).send({ batch, batches });
      return reply.status(201).send({ batch, batches, jobId: jobIds[0], jobIds });
    },
  );
}
