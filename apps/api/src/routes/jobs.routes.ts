import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiDeps } from '../api-deps.ts';
import { findJob, viewJob } from '../job-view.ts';
import { requireRole, roles } from '../plugins/auth.ts';
import { HttpError } from '../plugins/error-handler.ts';
import { errorAnswers } from '../plugins/openapi.ts';
import { jobAnswer } from './jobs.responses.ts';
import { idParam } from './schemas.ts';

export async function jobsRoutes(parent: FastifyInstance, deps: ApiDeps) {
  const app = parent.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/jobs/:jobId',
    {
      onRequest: requireRole(deps.db, roles.jobWatchers),
      schema: {
        tags: ['jobs'],
        summary: "A job's state, progress and result",
        params: z.strictObject({ jobId: idParam }),
        response: {
          200: jobAnswer,
          ...errorAnswers(404),
        },
      },
    },
    async (request) => {
      const job = await findJob(deps.queues, request.params.jobId);
      if (!job) throw new HttpError('NOT_FOUND', `job ${request.params.jobId} not found`);
      return { job: await viewJob(job) };
    },
  );
}
