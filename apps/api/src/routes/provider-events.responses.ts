import { CommissionStatus, ProviderEventStatus } from '@payouts/db';
import { z } from 'zod';
import { transactionStatus } from './batches.responses.ts';
import { amount, count, dateTime, nextCursor, storedJson } from './response-fields.ts';

// Success bodies of provider-events.routes.ts.

export const providerEventStatus = z.enum(ProviderEventStatus);

/** A stored provider webhook as lists show it: never its signature, and its payload only on its own. */
export const providerEventSummary = z.object({
  id: z.string(),
  providerEventId: z.string().describe("The provider's idempotency key of the event"),
  eventType: z.string().describe('e.g. payment.sent, payment.removed, invite.accepted'),
  status: providerEventStatus.describe(
    'RECEIVED (not applied yet), WAITING (its payment is in flight here), APPLIED, IGNORED, CONFLICT, FAILED',
  ),
  errorMessage: z.string().nullable().describe('Why it was not applied, when it was not'),
  transactionId: z.string().nullable().describe('The transaction it concerns, once known'),
  providerPaymentId: z.string().nullable().describe('The provider payment it names'),
  eventCreatedAt: dateTime.nullable().describe('When the provider says the event happened'),
  receivedAt: dateTime,
  processed: z.boolean(),
  processedAt: dateTime.nullable(),
  attempts: count.describe('Applications tried'),
  lastAttemptAt: dateTime.nullable(),
  requeueCount: count.describe('Jobs given after the first (replays and requeues)'),
});

export const providerEventsAnswer = z
  .object({ providerEvents: z.array(providerEventSummary), nextCursor })
  .describe('A page of stored provider events, newest received first');

export const providerEventAnswer = z
  .object({
    providerEvent: providerEventSummary.extend({
      payload: storedJson.nullable().describe('The event body as received'),
    }),
  })
  .describe('One stored provider event with its payload');

export const providerEventReplayAnswer = z
  .object({
    jobId: z.string().describe('The provider-events job that applies it again'),
    eventId: z.string(),
    previousStatus: providerEventStatus.describe('Its status before the replay; it is RECEIVED now'),
  })
  .describe('The replayed event and its new job');

/** A payment the provider removed after we recorded it COMPLETED. */
export const reversal = z.object({
  id: z.string().describe('The REVERSED transaction'),
  transactionId: z.string().describe('Its payment reference'),
  batchId: z.string(),
  commissionId: z.string(),
  affiliateProfileId: z.string(),
  amount,
  providerTxId: z.string().nullable(),
  reversedAt: dateTime,
  reason: z.string().nullable().describe('Why the provider removed it, as it said'),
  commissionStatus: z.enum(CommissionStatus).describe('The commission now: APPROVED until paid again'),
  repayment: z
    .object({ id: z.string(), batchId: z.string(), status: transactionStatus })
    .nullable()
    .describe('The live transaction that pays the commission again; null when none does yet'),
});

export const reversalsAnswer = z
  .object({ reversals: z.array(reversal), nextCursor })
  .describe('A page of reversed payments, newest reversal first');
