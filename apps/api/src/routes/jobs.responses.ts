import { z } from 'zod';
import { count, isoDateTime } from './response-fields.ts';

// Success body of jobs.routes.ts.

/** A BullMQ job state; 'unknown' once the job is gone. */
export const jobState = z.enum([
  'waiting',
  'waiting-children',
  'prioritized',
  'delayed',
  'active',
  'completed',
  'failed',
  'unknown',
]);

/**
 * Free-form by design: each queue's job answers its own object (create-batch: `{ status, batches, planHash }`;
 * execute-batch: `{ batchId, status, payments, finalizeJobId }`; account-sync: `{ checked, changed, failed }`;
 * nightly-payout: `{ batchIds, executed }`...), written by the worker, which may run another version than
 * this API. A union of today's shapes would turn a new field into a failed request.
 */
export const jobResult = z
  .record(z.string(), z.unknown())
  .nullable()
  .describe("What the job answered, by queue (see the job's `queue`); null until it completes");

export const jobAnswer = z
  .object({
    job: z.object({
      jobId: z.string(),
      queue: z.string().describe('create-batch, execute-batch, pay-transaction, finalize-batch, maintenance...'),
      state: jobState,
      progress: z
        .union([z.number(), z.string(), z.boolean(), z.record(z.string(), z.unknown())])
        .describe('What the job reported; 0 until it reports'),
      attemptsMade: count,
      result: jobResult,
      failedReason: z.string().nullable(),
      createdAt: isoDateTime,
      finishedAt: isoDateTime.nullable(),
    }),
  })
  .describe('The job');
