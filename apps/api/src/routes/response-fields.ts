import { z } from 'zod';

// Fields that answers of several areas share. Success bodies are serialized through their schema:
// a field a schema does not name is left out of the answer, and a value that does not match it fails
// the request (500), so a schema says exactly what its handler returns.

/** Money: a decimal string with exactly 2 decimals, never a JSON number. */
export const amount = z
  .string()
  .regex(/^-?\d+\.\d{2}$/)
  .describe('USD as a decimal string with 2 decimals, e.g. "1234.50"');

/**
 * A date-time Prisma returns as a Date. JSON writes a Date as its ISO 8601 string, and the document says
 * `string` with format date-time. (A Date does not pass a string schema such as z.iso.datetime().)
 */
export const dateTime = z.date();

/** A date-time the handler has already written as an ISO 8601 string (UTC, `Z`). */
export const isoDateTime = z.iso.datetime();

export const count = z.number().int().min(0);

/** The cursor of the next page, or null on the last one (pass it back as `?cursor=`). */
export const nextCursor = z.string().nullable().describe('Pass as ?cursor= for the next page; null on the last page');

/**
 * Free-form JSON stored with a row (an audit entry's details): an object as this system writes it, any
 * JSON value in the column. Not z.json(): its recursion does not make it into the OpenAPI document.
 */
export const storedJson = z.union([
  z.record(z.string(), z.unknown()),
  z.array(z.unknown()),
  z.string(),
  z.number(),
  z.boolean(),
]);
