import { cancelBatch, listBatches, previewPayouts } from '@payouts/core';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiDeps } from '../api-deps.ts';
import { actorOf, requireRole, roles } from '../plugins/auth.ts';
import { bodyErrors, errorAnswers } from '../plugins/openapi.ts';
import { batchListAnswer, cancelledBatchAnswer, previewAnswer } from './batches.responses.ts';
import { idParam, pageQueryFields } from './schemas.ts';

const batchStatus = z.enum(['PENDING', 'QUEUED', 'PROCESSING', 'COMPLETED', 'FAILED', 'CANCELLED']);

const listQuery = z.strictObject({ ...pageQueryFields, status: batchStatus.optional() });
const previewBody = z.strictObject({ affiliateIds: z.array(idParam).min(1).max(10_000).optional() }).nullish();

/** Listing, previewing and cancelling batches (creation and execution are in batches.routes.ts). */
export async function batchLifecycleRoutes(parent: FastifyInstance, deps: ApiDeps) {
  const app = parent.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/batches',
    {
      onRequest: requireRole(deps.db, roles.readers),
      schema: {
        tags: ['batches'],
        summary: 'Batches, newest first, optionally of one status; pages with limit and cursor',
        querystring: listQuery,
        response: {
          200: batchListAnswer,
          ...errorAnswers(403),
        },
      },
    },
    async (request) => {
      const page = await listBatches(deps, request.query);
      return { batches: page.items, nextCursor: page.nextCursor };
    },
  );

  app.post(
    '/batches/preview',
    {
      onRequest: requireRole(deps.db, roles.planPreviewers),
      schema: {
        tags: ['batches'],
        summary: 'What creating batches now would pay (everyone, or the given affiliates), without writing anything',
        body: previewBody,
        response: {
          200: previewAnswer,
          ...errorAnswers(...bodyErrors),
        },
      },
    },
    async (request) => {
      const result = await previewPayouts(deps, {
        minPayout: deps.rules.minPayout,
        maxBatchSize: deps.rules.maxBatchSize,
        affiliateIds: request.body?.affiliateIds,
      });
      return {
        preview: result.affiliates.map((a) => ({
          affiliateId: a.affiliateId,
          commissionCount: a.commissionCount,
          totalAmount: a.pendingAmount,
          eligible: a.eligible,
          reason: a.reason,
        })),
        summary: result.summary,
        planHash: result.planHash,
      };
    },
  );

  app.delete(
    '/batches/:batchId',
    {
      onRequest: requireRole(deps.db, roles.batchCancellers),
      schema: {
        tags: ['batches'],
        summary: 'Cancel a PENDING or QUEUED batch, releasing its commissions; 409 once it is executing or done',
        params: z.strictObject({ batchId: idParam }),
        response: {
          200: cancelledBatchAnswer,
          ...errorAnswers(403, 404, 409, ...bodyErrors),
        },
      },
    },
    async (request) => {
      const result = await cancelBatch(deps, request.params.batchId, actorOf(request));
      return {
        batch: { id: result.batchId, status: 'CANCELLED' as const },
        cancelledTransactions: result.cancelledTransactions,
      };
    },
  );
}
