import {
  csvFileName,
  exportBatchPayouts,
  exportPayouts,
  getBatchReport,
  getPayoutsReport,
  isStorableInstant,
  listAffiliatePayouts,
} from '@payouts/core';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiDeps } from '../api-deps.ts';
import { requireRole, roles } from '../plugins/auth.ts';
import { errorAnswers } from '../plugins/openapi.ts';
import { sendCsv } from './csv-reply.ts';
import { affiliatePayoutsAnswer, batchReportAnswer, csvAnswer, payoutsReportAnswer } from './reports.responses.ts';
import { idParam, isoInstant, pageQueryFields, timeRange } from './schemas.ts';

/** A day (`2026-11-01`, its UTC midnight) or an ISO instant with an offset. */
const reportInstant = z
  .union([
    z.iso.date().refine((day) => isStorableInstant(new Date(`${day}T00:00:00Z`)), 'a day from 0001-01-01'),
    isoInstant,
  ])
  .transform((value) => (value.length === 10 ? `${value}T00:00:00.000Z` : value))
  .describe('A day (YYYY-MM-DD, from its midnight UTC) or an ISO 8601 instant');

const payoutFilterFields = {
  from: reportInstant.describe('First instant included'),
  to: reportInstant.describe('First instant no longer included: [from, to)'),
  status: z.enum(['PENDING', 'PROCESSING', 'UNKNOWN', 'COMPLETED', 'FAILED', 'CANCELLED', 'REVERSED']).optional(),
  provider: z.enum(['MOCK', 'RISE']).optional(),
  affiliateId: idParam.optional(),
};
const grouping = z.enum(['day', 'affiliate', 'provider', 'status']);

const payoutsQuery = z.strictObject({ ...payoutFilterFields, groupBy: grouping.default('day') });
const payoutsCsvQuery = z.strictObject({
  ...payoutFilterFields,
  groupBy: grouping.optional().describe("The report's groups as rows; without it, one row per payment"),
});
const batchParams = z.strictObject({ batchId: idParam });
const affiliateParams = z.strictObject({ affiliateId: idParam });

/** The payout filter of a query; 400 when `from` is after `to`. */
function payoutFilter(query: z.infer<typeof payoutsCsvQuery>) {
  const { from, to } = timeRange(query) as { from: Date; to: Date };
  return { from, to, status: query.status, provider: query.provider, affiliateId: query.affiliateId };
}

const day = (date: Date) => date.toISOString().slice(0, 10);

export async function reportsRoutes(parent: FastifyInstance, deps: ApiDeps) {
  const app = parent.withTypeProvider<ZodTypeProvider>();
  // CSV links are opened in browsers, which log in with Basic (any user name, the key as password).
  const csvReaders = requireRole(deps.db, roles.readers, { basicChallenge: true });

  app.get(
    '/reports/batches/:batchId',
    {
      onRequest: requireRole(deps.db, roles.readers),
      schema: {
        tags: ['reports'],
        summary: "A batch's execution summary: counts and exact amounts per status, retries, timing, failures",
        params: batchParams,
        response: { 200: batchReportAnswer, ...errorAnswers(403, 404) },
      },
    },
    async (request) => ({ report: await getBatchReport(deps, request.params.batchId) }),
  );

  app.get(
    '/reports/batches/:batchId/transactions.csv',
    {
      onRequest: csvReaders,
      schema: {
        tags: ['reports'],
        summary: "A batch's payments as CSV (streamed), by reference",
        params: batchParams,
        response: { 200: csvAnswer('One row per payment, with a header row'), ...errorAnswers(403, 404) },
      },
    },
    async (request, reply) => {
      const csv = await exportBatchPayouts(deps, request.params.batchId);
      return sendCsv(reply, csv, csvFileName('batch', request.params.batchId, 'transactions'));
    },
  );

  app.get(
    '/reports/payouts',
    {
      onRequest: requireRole(deps.db, roles.readers),
      schema: {
        tags: ['reports'],
        summary:
          'Payments with a payout date (paid: completedAt; not paid: createdAt) in [from, to), by day (UTC), affiliate, provider or status',
        querystring: payoutsQuery,
        response: { 200: payoutsReportAnswer, ...errorAnswers(403) },
      },
    },
    async (request) => ({ report: await getPayoutsReport(deps, payoutFilter(request.query), request.query.groupBy) }),
  );

  app.get(
    '/reports/payouts.csv',
    {
      onRequest: csvReaders,
      schema: {
        tags: ['reports'],
        summary: 'The payouts report as CSV (streamed): one row per payment, or with groupBy the groups',
        querystring: payoutsCsvQuery,
        response: { 200: csvAnswer('A header row, then the rows'), ...errorAnswers(403) },
      },
    },
    async (request, reply) => {
      const filter = payoutFilter(request.query);
      const csv = await exportPayouts(deps, filter, request.query.groupBy);
      const name = csvFileName('payouts', day(filter.from), day(filter.to), request.query.groupBy ?? 'payments');
      return sendCsv(reply, csv, name);
    },
  );

  app.get(
    '/affiliates/:affiliateId/payouts',
    {
      onRequest: requireRole(deps.db, roles.readers),
      schema: {
        tags: ['affiliates', 'reports'],
        summary: "An affiliate's payout history, newest first, with totals; pages with limit and cursor",
        params: affiliateParams,
        querystring: z.strictObject(pageQueryFields),
        response: { 200: affiliatePayoutsAnswer, ...errorAnswers(403, 404) },
      },
    },
    async (request) => {
      const history = await listAffiliatePayouts(deps, request.params.affiliateId, request.query);
      return { payouts: history.items, totals: history.totals, nextCursor: history.nextCursor };
    },
  );
}
