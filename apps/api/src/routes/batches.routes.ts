import { type CreateBatchesResult, getBatch, queueBatchExecution } from '@payouts/core';
import { createBatchJobId, enqueue, executeJobId, QueueName } from '@payouts/queue';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiDeps } from '../api-deps.ts';
import { waitForJob } from '../job-view.ts';
import { actorOf, requireRole, roles } from '../plugins/auth.ts';
import { HttpError } from '../plugins/error-handler.ts';
import { idempotency } from '../plugins/idempotency.ts';
import { bodyErrors, errorAnswers, idempotencyKeyHeaders, jobAccepted } from '../plugins/openapi.ts';
import { startRecordedJob } from '../recorded-jobs.ts';
import { idParam, waitQuery } from './schemas.ts';

/** No body at all is `{}`. */
const createBody = z.strictObject({ affiliateIds: z.array(idParam).min(1).max(10_000).optional() }).nullish();

export async function batchesRoutes(parent: FastifyInstance, deps: ApiDeps) {
  const app = parent.withTypeProvider<ZodTypeProvider>();
  const idempotent = idempotency(deps.db);

  app.post(
    '/batches',
    {
      onRequest: requireRole(deps.db, roles.startWork),
      preHandler: idempotent.preHandler,
      onSend: idempotent.onSend,
      schema: {
        tags: ['batches'],
        summary:
          'Create batches of everyone payable (or the given affiliates); 202 with the job, or its result with ?wait=',
        body: createBody,
        querystring: waitQuery,
        headers: idempotencyKeyHeaders,
        response: {
          201: z.any().describe('The created batches'),
          202: jobAccepted,
          ...errorAnswers(403, 409, ...bodyErrors, 422),
        },
      },
    },
    async (request, reply) => {
      const job = await startRecordedJob(
        deps,
        QueueName.createBatch,
        createBatchJobId(),
        { affiliateIds: request.body?.affiliateIds },
        actorOf(request),
      );
      const jobId = job.id ?? '';
      const events = deps.queueEvents[QueueName.createBatch];
      if (!request.query.wait || !events) return reply.status(202).send({ jobId });

      const outcome = await waitForJob<CreateBatchesResult>(
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
      return reply.status(201).send({ jobId, batches: outcome.result.batches });
    },
  );

  app.get(
    '/batches/:batchId',
    {
      onRequest: requireRole(deps.db, roles.read),
      schema: {
        tags: ['batches'],
        summary: 'A batch with its transactions, counts per status and progress',
        params: z.strictObject({ batchId: idParam }),
        response: {
          200: z.any().describe('The batch'),
          ...errorAnswers(403, 404),
        },
      },
    },
    async (request) => ({ batch: await getBatch(deps, request.params.batchId) }),
  );

  app.post(
    '/batches/:batchId/execute',
    {
      onRequest: requireRole(deps.db, roles.startWork),
      preHandler: idempotent.preHandler,
      onSend: idempotent.onSend,
      schema: {
        tags: ['batches'],
        summary: 'Execute a PENDING or QUEUED batch; 202 with the job, 409 when not executable',
        params: z.strictObject({ batchId: idParam }),
        querystring: waitQuery,
        headers: idempotencyKeyHeaders,
        response: {
          200: z.any().describe('The execute job and its result'),
          202: jobAccepted,
          ...errorAnswers(403, 404, 409, ...bodyErrors, 422),
        },
      },
    },
    async (request, reply) => {
      const { batchId } = request.params;
      // PENDING -> QUEUED first (409 when not executable); the job id makes repeated requests one job.
      await queueBatchExecution(deps, batchId, actorOf(request));
      const job = await enqueue(deps.queues, QueueName.executeBatch, { batchId }, executeJobId(batchId));
      const jobId = job.id ?? '';
      const events = deps.queueEvents[QueueName.executeBatch];
      if (!request.query.wait || !events) return reply.status(202).send({ jobId });

      const outcome = await waitForJob(deps.queues[QueueName.executeBatch], job, events, request.query.wait);
      if (outcome.state === 'pending') return reply.status(202).send({ jobId });
      if (outcome.state === 'failed') throw new HttpError('CONFLICT', `execution failed: ${outcome.reason}`, { jobId });
      return reply.status(200).send({ jobId, result: outcome.result });
    },
  );
}
