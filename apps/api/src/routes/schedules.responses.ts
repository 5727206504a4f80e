import { z } from 'zod';
import { isoDateTime } from './response-fields.ts';

// Success bodies of schedules.routes.ts.

/** A job scheduler of the maintenance queue; the nightly payout's with its settings from Postgres. */
export const schedule = z.object({
  id: z.string(),
  name: z.string(),
  pattern: z.string().nullable().describe('Cron pattern; null for a scheduler that runs every N ms'),
  every: z.number().int().nullable().describe('Milliseconds between runs; null for a cron scheduler'),
  timeZone: z.string().nullable(),
  nextRunAt: isoDateTime.nullable(),
  autoExecute: z.boolean().nullable().describe('Nightly payout only: whether a run executes the batches it creates'),
  updatedBy: z.string().nullable().describe('Nightly payout only: who set the schedule'),
});

export const schedulesAnswer = z.object({ schedules: z.array(schedule) }).describe('The job schedulers');

export const nightlyScheduleAnswer = z
  .object({ schedule: schedule.nullable().describe('null once disabled') })
  .describe('The nightly payout schedule');
