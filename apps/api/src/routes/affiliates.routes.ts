import {
  createAffiliatePayout,
  getAffiliateDetails,
  listOpenCommissions,
  pagePayableAffiliates,
  queueBatchExecution,
} from '@payouts/core';
import { enqueue, executeJobId, QueueName } from '@payouts/queue';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiDeps } from '../api-deps.ts';
import { actorOf, requireRole, roles } from '../plugins/auth.ts';
import { idempotency } from '../plugins/idempotency.ts';
import { bodyErrors, errorAnswers, idempotencyKeyHeaders } from '../plugins/openapi.ts';
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
      onRequest: requireRole(deps.db, roles.read),
      schema: {
        tags: ['affiliates'],
        summary: 'Everyone with open commissions: amounts, payout account, whether payable now and why not',
        querystring: pageQuery,
        response: {
          200: z.any().describe('{ affiliates, summary, nextCursor }'),
          ...errorAnswers(403),
        },
      },
    },
    async (request) => {
      const page = await pagePayableAffiliates(deps, {
        minPayout: deps.env.MIN_PAYOUT_USD,
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
      onRequest: requireRole(deps.db, roles.read),
      schema: {
        tags: ['affiliates'],
        summary: 'An affiliate with its payout account and open commissions (the newest 200)',
        params: affiliateParams,
        response: {
          200: z.any().describe('{ affiliate }'),
          ...errorAnswers(403, 404),
        },
      },
    },
    async (request) => ({ affiliate: await getAffiliateDetails(deps, request.params.affiliateId) }),
  );

  app.get(
    '/affiliates/:affiliateId/commissions',
    {
      onRequest: requireRole(deps.db, roles.read),
      schema: {
        tags: ['affiliates'],
        summary: "An affiliate's open commissions (APPROVED, in no live transaction), newest first",
        params: affiliateParams,
        querystring: pageQuery,
        response: {
          200: z.any().describe('{ commissions, summary: { count, totalAmount }, nextCursor }'),
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
      onRequest: requireRole(deps.db, roles.startWork),
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
          201: z.any().describe('{ batch, batches } and, with execute, { jobId, jobIds }'),
          ...errorAnswers(403, 404, 409, ...bodyErrors, 422),
        },
      },
    },
    async (request, reply) => {
      const { affiliateId } = request.params;
      const who = actorOf(request);
      const result = await createAffiliatePayout(
        deps,
        affiliateId,
        {
          provider: deps.env.PAYOUT_PROVIDER,
          minPayout: deps.env.MIN_PAYOUT_USD,
          maxBatchSize: deps.env.MAX_BATCH_SIZE,
        },
        who,
      );
      const [batch] = result.batches;
      if (!request.body?.execute) return reply.status(201).send({ batch, batches: result.batches });

      // More commissions than MAX_BATCH_SIZE make several batches: each one is executed.
      const jobIds: string[] = [];
      for (const created of result.batches) {
        await queueBatchExecution(deps, created.id, who);
        const job = await enqueue(
          deps.queues,
          QueueName.executeBatch,
          { batchId: created.id },
          executeJobId(created.id),
        );
        jobIds.push(job.id ?? '');
      }
      return reply.status(201).send({ batch, batches: result.batches, jobId: jobIds[0], jobIds });
    },
  );
}
