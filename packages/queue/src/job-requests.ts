import { z } from 'zod';
import { MaintenanceJob } from './maintenance-jobs.ts';
import { QueueName } from './names.ts';

const id = z.string().min(1).max(100);

/**
 * Parameters of the work an API caller asks for, as recorded in Postgres (JobRequest.params) before
 * the job is enqueued: the API writes them and the worker reads them back through these schemas.
 */
export const jobRequestParams = {
  [QueueName.createBatch]: z.strictObject({
    affiliateIds: z.array(id).min(1).max(10_000).optional(),
    planHash: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional(),
  }),
  [MaintenanceJob.nightlyPayout]: z.strictObject({ autoExecute: z.boolean().optional() }),
  [MaintenanceJob.accountSync]: z.strictObject({}),
} as const;

export type JobRequestKind = keyof typeof jobRequestParams;
export type JobRequestParams<K extends JobRequestKind> = z.infer<(typeof jobRequestParams)[K]>;
