import { getBatch, waitForSettledBatch } from '@payouts/core';
import { requestBatchCreation, requestBatchExecution } from '@payouts/operations';
import { QueueName } from '@payouts/queue';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiDeps } from '../api-deps.ts';
import { waitForJob } from '../job-view.ts';
import { actorOf, requireRole, roles } from '../plugins/auth.ts';
import { HttpError } from '../plugins/error-handler.ts';
import { idempotency } from '../plugins/idempotency.ts';
import { bodyErrors, errorAnswers, idempotencyKeyHeaders, jobAccepted } from '../plugins/openapi.ts';
import {
  batchAnswer,
  createdBatchesAnswer,
  type ExecuteBatchResult,
  executedBatchAnswer,
} from './batches.responses.ts';
import { idParam, waitQuery } from './schemas.ts';

/** No body at all is `{}`. */
const createBody = z
  .strictObject({
    affiliateIds: z.array(idParam).min(1).max(10_000).optional(),
    planHash: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'the planHash of POST /batches/preview')
      .optional(),
    provider: z.enum(['MOCK', 'RISE']).optional(),
  })
  .nullish();

/** A create-batch job's answer: its batches, or why there are none. */
interface CreateBatchJobResult {
  status: 'CREATED' | 'NO_PAYABLE_AFFILIATES' | 'PLAN_CHANGED';
  batches: { id: string; batchNumber: string; paymentCount: number; totalAmount: string }[];
  planHash: string;
}

export async function batchesRoutes(parent: FastifyInstance, deps: ApiDeps) {
  const app = parent.withTypeProvider<ZodTypeProvider>();
  const idempotent = idempotency(deps.db);

  app.post(
    '/batches',
    {
      onRequest: requireRole(deps.db, roles.workStarters),
      preHandler: idempotent.preHandler,
      onSend: idempotent.onSend,
      schema: {
        tags: ['batches'],
        summary:
          'Create batches of everyone payable (or the given affiliates); 202 with the job, or its result with ?wait=. With the planHash of a preview, 409 PLAN_CHANGED when what would be paid has changed (nothing is written)',
        body: createBody,
        querystring: waitQuery,
        headers: idempotencyKeyHeaders,
        response: {
          201: createdBatchesAnswer,
          202: jobAccepted,
          ...errorAnswers(403, 409, ...bodyErrors, 422),
        },
      },
    },
    async (request, reply) => {
      const job = await requestBatchCreation(deps, request.body ?? {}, actorOf(request));
      const jobId = job.id ?? '';
      const events = deps.queueEvents[QueueName.createBatch];
      if (!request.query.wait || !events) return reply.status(202).send({ jobId });

      const outcome = await waitForJob<CreateBatchJobResult>(
        deps.queues[QueueName.createBatch],
        job,
        events,
        request.query.wait,
      );
      if (outcome.state === 'pending') return reply.status(202).send({ jobId });
      if (outcome.state === 'failed') {
        throw new HttpError('INTERNAL', `batch creation failed; GET /api/disbursement/jobs/${jobId} tells why`, {
          jobId,
        });
      }
      if (outcome.result.status === 'NO_PAYABLE_AFFILIATES') {
        throw new HttpError('NO_PAYABLE_AFFILIATES', 'no affiliate is payable now', { jobId });
      }
      if (outcome.result.status === 'PLAN_CHANGED') {
        throw new HttpError('PLAN_CHANGED', 'what would be paid has changed since the preview; preview again', {
          jobId,
          planHash: outcome.result.planHash,
        });
      }
      return reply.status(201).send({ jobId, batches: outcome.result.batches });
    },
  );

  app.get(
    '/batches/:batchId',
    {
      onRequest: requireRole(deps.db, roles.readers),
      schema: {
        tags: ['batches'],
        summary:
          'A batch with its transactions, counts, progress, recent audit trail and, once run, its execution summary; ?wait=<seconds> answers once it has settled (COMPLETED, FAILED or CANCELLED) or the time is up',
        params: z.strictObject({ batchId: idParam }),
        querystring: waitQuery,
        response: {
          200: batchAnswer,
          ...errorAnswers(403, 404),
        },
      },
    },
    async (request) => {
      const { batchId } = request.params;
      const { wait } = request.query;
      return { batch: wait ? await waitForSettledBatch(deps, batchId, wait) : await getBatch(deps, batchId) };
    },
  );

  app.post(
    '/batches/:batchId/execute',
    {
      onRequest: requireRole(deps.db, roles.workStarters),
      preHandler: idempotent.preHandler,
      onSend: idempotent.onSend,
      schema: {
        tags: ['batches'],
        summary:
          'Execute a PENDING or QUEUED batch; 202 with the job, 409 when not executable. ?wait= answers 200 once its payments are queued (not paid): GET /batches/:batchId?wait= waits for the outcome',
        params: z.strictObject({ batchId: idParam }),
        querystring: waitQuery,
        headers: idempotencyKeyHeaders,
        response: {
          200: executedBatchAnswer,
          202: jobAccepted,
          ...errorAnswers(403, 404, 409, ...bodyErrors, 422),
        },
      },
    },
    async (request, reply) => {
      const { batchId } = request.params;
      const job = await requestBatchExecution(deps, batchId, actorOf(request));
      const jobId = job.id ?? '';
      const events = deps.queueEvents[QueueName.executeBatch];
      if (!request.query.wait || !events) return reply.status(202).send({ jobId });

      const outcome = await waitForJob<ExecuteBatchResult>(
        deps.queues[QueueName.executeBatch],
        job,
        events,
        request.query.wait,
      );
      if (outcome.state === 'pending') return reply.status(202).send({ jobId });
      if (outcome.state === 'failed') throw new HttpError('CONFLICT', `execution failed: ${outcome.reason}`, { jobId });
      return reply.status(200).send({ jobId, result: outcome.result });
    },
  );
}
