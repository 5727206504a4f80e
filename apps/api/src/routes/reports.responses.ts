import { z } from 'zod';
import { amount, count, dateTime, nextCursor } from './response-fields.ts';

// Success bodies of reports.routes.ts.

const transactionStatus = z.enum(['PENDING', 'PROCESSING', 'UNKNOWN', 'COMPLETED', 'FAILED', 'CANCELLED', 'REVERSED']);
const statusTotal = z.object({ count, amount });

export const batchReportAnswer = z
  .object({
    report: z.object({
      id: z.string(),
      batchNumber: z.string(),
      status: z.string(),
      provider: z.string(),
      currency: z.string(),
      paymentCount: count,
      totalAmount: amount,
      createdBy: z.string().nullable(),
      queuedBy: z.string().nullable(),
      createdAt: dateTime,
      executedAt: dateTime.nullable(),
      finishedAt: dateTime.nullable(),
      durationMs: z.number().int().nullable().describe('From executedAt to finishedAt'),
      errorMessage: z.string().nullable().describe('Why the batch FAILED'),
      settled: count,
      paid: statusTotal.describe('The COMPLETED payments'),
      retries: count.describe('Retries spent over all payments'),
      byStatus: z.record(transactionStatus, statusTotal),
      failures: z
        .array(
          z.object({
            id: z.string(),
            transactionId: z.string(),
            amount,
            errorMessage: z.string().nullable(),
            failedAt: dateTime.nullable(),
          }),
        )
        .describe('The first 100 FAILED payments by reference; the CSV lists all'),
      failuresShown: count,
    }),
  })
  .describe("A batch's execution summary: counts and exact amounts per status");

const payoutGroup = z.object({
  key: z.string().describe('The day (YYYY-MM-DD, UTC), affiliate id, provider or status'),
  count,
  amount,
  paidCount: count,
  paidAmount: amount.describe('Of the COMPLETED payments'),
});

export const payoutsReportAnswer = z
  .object({
    report: z.object({
      from: dateTime,
      to: dateTime,
      groupBy: z.enum(['day', 'affiliate', 'provider', 'status']),
      groups: z.array(payoutGroup),
      total: payoutGroup.omit({ key: true }),
    }),
  })
  .describe('Payments with a payout date in [from, to), grouped; sums exact');

export const affiliatePayoutsAnswer = z
  .object({
    payouts: z.array(
      z.object({
        id: z.string(),
        transactionId: z.string(),
        batchId: z.string(),
        batchNumber: z.string(),
        commissionId: z.string(),
        status: transactionStatus,
        amount,
        currency: z.string(),
        provider: z.string(),
        providerTxId: z.string().nullable(),
        errorMessage: z.string().nullable(),
        createdAt: dateTime,
        completedAt: dateTime.nullable(),
        failedAt: dateTime.nullable(),
        reversedAt: dateTime.nullable(),
      }),
    ),
    totals: z.object({
      paidCount: count,
      paidAmount: amount,
      byStatus: z.record(z.string(), statusTotal),
    }),
    nextCursor,
  })
  .describe("A page of an affiliate's payments, newest first, with totals over all of them");

/** A CSV download, streamed: its OpenAPI entry. */
export function csvAnswer(description: string) {
  return { description, content: { 'text/csv': { schema: z.string().describe(description) } } };
}
