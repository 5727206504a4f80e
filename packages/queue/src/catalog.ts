import type { JobsOptions } from 'bullmq';
import { z } from 'zod';
import { paymentBackoffType } from './backoff.ts';
import { QueueName } from './names.ts';

const id = z.string().min(1).max(100);

/** Payload schema of every job, beside its retry settings: producers and workers share this. */
export const jobCatalog = {
  // Payloads name rows in Postgres and nothing more: who asked, and for what, is read from there.
  [QueueName.createBatch]: {
    // the JobRequest row (the job's own id) holding the actor, affiliateIds and planHash
    payload: z.strictObject({ requestId: id }),
    options: { attempts: 3, backoff: { type: 'exponential', delay: 1000 } },
  },
  [QueueName.executeBatch]: {
    // a batch that the API or the nightly run moved to QUEUED; it is executed as whoever queued it
    payload: z.strictObject({ batchId: id }),
    options: { attempts: 5, backoff: { type: 'exponential', delay: 1000 } },
  },
  [QueueName.payTransaction]: {
    payload: z.strictObject({ transactionId: id, batchId: id }),
    // attempts come from config (PAY_ATTEMPTS) where jobs are added; delays from the worker's strategy
    options: { attempts: 5, backoff: { type: paymentBackoffType } },
  },
  [QueueName.finalizeBatch]: {
    payload: z.strictObject({ batchId: id }),
    options: { attempts: 5, backoff: { type: 'exponential', delay: 1000 } },
  },
  [QueueName.providerEvents]: {
    // a RiseWorksWebhookEvent row: only the API stores them, after checking the provider's signature
    payload: z.strictObject({ eventId: id }),
    // An event naming a payment still in flight waits for it: 2 s, 4 s ... about 8 minutes in all. Past
    // that the reconciler gives it a new job.
    options: { attempts: 8, backoff: { type: 'exponential', delay: 2000 } },
  },
  [QueueName.deadLetter]: {
    // Nothing processes these: they wait for an operator to replay or discard them.
    payload: z.strictObject({
      transactionId: id,
      batchId: id,
      reference: z.string(),
      payeeId: z.string().nullable(),
      amount: z.string().regex(/^\d+\.\d{2}$/),
      error: z.string(),
      attemptsMade: z.number().int().min(0),
      failedAt: z.iso.datetime(),
    }),
    options: { attempts: 1 },
  },
} as const satisfies Record<string, { payload: z.ZodType; options: JobsOptions }>;

export type CataloguedQueue = keyof typeof jobCatalog;
export type JobPayload<Q extends CataloguedQueue> = z.infer<(typeof jobCatalog)[Q]['payload']>;

/**
 * Completed jobs are kept for a day (for GET /jobs/:id and ?wait), failed ones for a week; at most
 * 10,000 of each per queue, so that Redis holds a bounded history however many payments run (Bull Board
 * still shows the recent ones; Postgres keeps everything).
 */
export const retention = {
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
} as const satisfies JobsOptions;

export function parsePayload<Q extends CataloguedQueue>(queue: Q, data: unknown): JobPayload<Q> {
  return jobCatalog[queue].payload.parse(data) as JobPayload<Q>;
}
