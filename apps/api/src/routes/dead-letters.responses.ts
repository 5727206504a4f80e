import { z } from 'zod';
import { amount, count, isoDateTime, nextCursor } from './response-fields.ts';

// Success bodies of dead-letters.routes.ts.

/** A payment that failed for good, as its dead-letter job holds it. */
export const deadLetter = z.object({
  transactionId: z.string(),
  batchId: z.string(),
  reference: z.string().describe("The transaction's payment reference"),
  payeeId: z.string().nullable(),
  amount,
  error: z.string(),
  attemptsMade: count,
  failedAt: isoDateTime,
  jobId: z.string(),
  addedAt: isoDateTime,
});

export const deadLettersAnswer = z
  .object({ deadLetters: z.array(deadLetter), nextCursor })
  .describe('A page of dead letters, newest first');

export const replayAnswer = z
  .object({
    transactionId: z.string(),
    batchId: z.string(),
    round: z.number().int().min(1).describe('1 for the first replay of this transaction'),
    jobId: z.string().describe('The new pay-transaction job'),
  })
  .describe('The replayed payment and its new job');

export const discardAnswer = z
  .object({
    transactionId: z.string(),
    batchId: z.string(),
    status: z.literal('CANCELLED'),
    deadLettersRemoved: count,
  })
  .describe('The discarded payment');
