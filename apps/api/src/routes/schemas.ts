import { z } from 'zod';

export const idParam = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only');

/** `?wait=<seconds>`: answer with the job's result instead of 202 when it finishes within this time. */
export const waitQuery = z.strictObject({
  wait: z.coerce.number().int().min(0).max(120).optional(),
});
