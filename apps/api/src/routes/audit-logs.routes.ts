import { csvFileName, exportAuditLogs, listAuditLogs } from '@payouts/core';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiDeps } from '../api-deps.ts';
import { requireRole, roles } from '../plugins/auth.ts';
import { errorAnswers } from '../plugins/openapi.ts';
import { auditLogsAnswer } from './audit-logs.responses.ts';
import { sendCsv } from './csv-reply.ts';
import { csvAnswer } from './reports.responses.ts';
import { idParam, isoInstant, pageQueryFields, text, timeRange } from './schemas.ts';

const auditFilterFields = {
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
};
const auditQuery = z.strictObject({ ...pageQueryFields, ...auditFilterFields });

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

  app.get(
    '/audit-logs.csv',
    {
      // Opened from links in browsers, which log in with Basic (any user name, the key as password).
      onRequest: requireRole(deps.db, roles.readers, { basicChallenge: true }),
      schema: {
        tags: ['audit', 'reports'],
        summary: "The audit trail as CSV (streamed), newest first, with GET /audit-logs' filters and no paging",
        querystring: z.strictObject(auditFilterFields),
        response: {
          200: csvAnswer('A header row, then one row per audit entry; details as JSON text'),
          ...errorAnswers(403),
        },
      },
    },
    async (request, reply) => {
      const { from, to, ...rest } = request.query;
      const csv = await exportAuditLogs(deps, { ...rest, ...timeRange({ from, to }) });
      return sendCsv(reply, csv, csvFileName('audit-logs', new Date().toISOString().slice(0, 10)));
    },
  );
}
