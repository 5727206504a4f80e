import { listAuditLogs } from '@payouts/core';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiDeps } from '../api-deps.ts';
import { requireRole, roles } from '../plugins/auth.ts';
import { errorAnswers } from '../plugins/openapi.ts';
import { auditLogsAnswer } from './audit-logs.responses.ts';
import { idParam, isoInstant, pageQueryFields, text, timeRange } from './schemas.ts';

const auditQuery = z.strictObject({
  ...pageQueryFields,
  batchId: idParam.optional(),
  transactionId: idParam.optional(),
  commissionId: idParam.optional(),
  action: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _, . and - only')
    .optional(),
  actor: text({ max: 200 }).optional(),
  from: isoInstant.optional(),
  to: isoInstant.optional(),
});

export async function auditLogsRoutes(parent: FastifyInstance, deps: ApiDeps) {
  const app = parent.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/audit-logs',
    {
      onRequest: requireRole(deps.db, roles.readers),
      schema: {
        tags: ['audit'],
        summary:
          'The audit trail, newest first, by batch, transaction, commission, action, actor and time [from, to); pages with limit and cursor',
        querystring: auditQuery,
        response: {
          200: auditLogsAnswer,
          ...errorAnswers(403),
        },
      },
    },
    async (request) => {
      const { from, to, ...rest } = request.query;
      const page = await listAuditLogs(deps, { ...rest, ...timeRange({ from, to }) });
      return { auditLogs: page.items, nextCursor: page.nextCursor };
    },
  );
}
