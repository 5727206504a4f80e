import { isIssuedCursor, isStorableInstant } from '@payouts/core';
import { z } from 'zod';
import { HttpError } from '../plugins/error-handler.ts';

/** The message of every refusal of a NUL character, here and in the input guard. */
export const nulMessage = 'must not contain NUL (\\u0000) characters';

/**
 * Free text from a client: its length bounded, NUL refused (Postgres cannot store it in text and
 * C-string tools cut at it). Use this, not a bare z.string(), for every text field without a stricter pattern.
 */
export function text(options: { min?: number; max: number }) {
  return z
    .string()
    .min(options.min ?? 1)
    .max(options.max)
    .refine((value) => !value.includes('\u0000'), nulMessage);
}

export const idParam = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only');

/**
 * An ISO 8601 date-time with an offset, naming an instant between 0001-01-01 and 9999-12-31 (UTC):
 * what Postgres stores and JS writes back unchanged.
 */
export const isoInstant = z.iso
  .datetime({ offset: true })
  .refine((value) => isStorableInstant(new Date(value)), 'a date-time between 0001-01-01 and 9999-12-31 (UTC)');

/** `?cursor=`: the `nextCursor` of the previous page, exactly as the API gave it. */
export const cursorParam = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9_-]+$/, 'a nextCursor this API issued')
  .refine(isIssuedCursor, 'cursor is not one this API issued');

/** `?limit=` (default 50, max 200) and `?cursor=` (the `nextCursor` of the previous page). */
export const pageQueryFields = {
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: cursorParam.optional(),
};

/** `?wait=<seconds>`: answer with the job's result instead of 202 when it finishes within this time. */
export const waitQuery = z.strictObject({
  wait: z.coerce.number().int().min(0).max(120).optional(),
});

/** A query's `from`/`to` (ISO instants) as dates; 400 when `from` is after `to`. */
export function timeRange(query: { from?: string; to?: string }): { from?: Date; to?: Date } {
  const from = query.from ? new Date(query.from) : undefined;
  const to = query.to ? new Date(query.to) : undefined;
  if (from && to && from > to) {
    throw new HttpError('VALIDATION_FAILED', 'invalid querystring', [
      { in: 'querystring', path: '/from', message: 'from must not be after to' },
    ]);
  }
  return { from, to };
}
