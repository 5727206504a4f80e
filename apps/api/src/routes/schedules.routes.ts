import { randomUUID } from 'node:crypto';
import { getPayoutSchedule, type PayoutScheduleRecord, setPayoutSchedule } from '@payouts/core';
import { MaintenanceJob, QueueName, upsertNightlyPayoutSchedule } from '@payouts/queue';
import type { JobSchedulerJson } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiDeps } from '../api-deps.ts';
import { actorOf, requireRole, roles } from '../plugins/auth.ts';
import { idempotency } from '../plugins/idempotency.ts';
import { answers, jobAccepted } from '../plugins/openapi.ts';
import { startRecordedJob } from '../recorded-jobs.ts';

/** The maintenance job (and scheduler id) of the nightly run; the worker processes it by this name. */
const nightlyPayoutJob = MaintenanceJob.nightlyPayout;
const adminOnly = ['admin'] as const;

const months = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const weekdays = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const cronFields: { min: number; max: number; names?: string[]; nameBase?: number }[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: months, nameBase: 1 },
  { min: 0, max: 7, names: weekdays, nameBase: 0 },
];

/**
 * A 5-field cron expression (minute hour day-of-month month day-of-week) of `*`, numbers in range,
 * month and weekday names, ranges `a-b`, lists `a,b` and steps `/n`: the subset every cron parser reads.
 */
export function isFiveFieldCron(expression: string): boolean {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) return false;
  return fields.every((field, i) => {
    const spec = cronFields[i];
    if (!spec) return false;
    const value = (text: string) => {
      const upper = text.toUpperCase();
      const named = spec.names?.indexOf(upper) ?? -1;
      if (named >= 0) return named + (spec.nameBase ?? 0);
      if (!/^\d{1,2}$/.test(text)) return Number.NaN;
      const n = Number(text);
      return n >= spec.min && n <= spec.max ? n : Number.NaN;
    };
    return field.split(',').every((item) => {
      const [range, step, ...extra] = item.split('/');
      if (extra.length > 0 || range === undefined) return false;
      if (step !== undefined && !(/^\d{1,2}$/.test(step) && Number(step) >= 1)) return false;
      if (range === '*') return true;
      const [low, high, ...more] = range.split('-');
      if (more.length > 0 || low === undefined) return false;
      const a = value(low);
      if (Number.isNaN(a)) return false;
      if (high === undefined) return true;
      const b = value(high);
      return !Number.isNaN(b) && a <= b;
    });
  });
}

export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat(undefined, { timeZone });
    return true;
  } catch {
    return false;
  }
}

const nightlyBody = z.strictObject({
  cron: z
    .string()
    .max(200)
    .refine(isFiveFieldCron, 'a 5-field cron expression (minute hour day-of-month month day-of-week)'),
  timeZone: z.string().min(1).max(100).refine(isTimeZone, 'an IANA time zone such as UTC or Europe/Berlin'),
  enabled: z.boolean(),
  autoExecute: z.boolean(),
});
/** No body, `{}`, or whether this run executes the batches it creates (default: the worker's config). */
const runBody = z.strictObject({ autoExecute: z.boolean().optional() }).nullish();

/** A job scheduler as Redis holds it; the nightly one with its settings from Postgres (who set them, and whether it executes). */
function scheduleView(scheduler: JobSchedulerJson, nightly: PayoutScheduleRecord | null) {
  const settings = scheduler.key === nightlyPayoutJob ? nightly : null;
  return {
    id: scheduler.key,
    name: scheduler.name,
    pattern: scheduler.pattern ?? null,
    every: scheduler.every ?? null,
    timeZone: scheduler.tz ?? null,
    nextRunAt: scheduler.next === undefined ? null : new Date(Number(scheduler.next)).toISOString(),
    autoExecute: settings?.autoExecute ?? null,
    updatedBy: settings?.updatedBy ?? null,
  };
}

export async function schedulesRoutes(parent: FastifyInstance, deps: ApiDeps) {
  const app = parent.withTypeProvider<ZodTypeProvider>();
  const maintenance = deps.queues[QueueName.maintenance];
  const idempotent = idempotency(deps.db);

  app.get(
    '/schedules',
    {
      onRequest: requireRole(deps.db, roles.read),
      schema: {
        tags: ['schedules'],
        summary: 'The job schedulers of the maintenance queue (reconcile, nightly payout...) and when each runs next',
        response: answers({
          200: z.any().describe('{ schedules: [{ id, name, pattern, every, timeZone, nextRunAt }] }'),
        }),
      },
    },
    async () => {
      const [schedulers, nightly] = await Promise.all([
        maintenance.getJobSchedulers(0, -1, true),
        getPayoutSchedule(deps),
      ]);
      return { schedules: schedulers.map((scheduler) => scheduleView(scheduler, nightly)) };
    },
  );

  app.put(
    '/schedules/nightly-payout',
    {
      onRequest: requireRole(deps.db, adminOnly),
      schema: {
        tags: ['schedules'],
        summary: 'Set (or, with enabled false, remove) the nightly payout schedule and whether it executes batches',
        body: nightlyBody,
        response: answers({ 200: z.any().describe('{ schedule } (null when disabled)') }),
      },
    },
    async (request) => {
      const { cron, timeZone, enabled, autoExecute } = request.body;
      const pattern = cron.trim().split(/\s+/).join(' ');
      // Postgres first, with who changed it: workers read whether a run executes from there, and put
      // the job scheduler back from there if Redis loses or changes it.
      const saved = await setPayoutSchedule(deps, { cron: pattern, timeZone, enabled, autoExecute }, actorOf(request));
      if (enabled) {
        await upsertNightlyPayoutSchedule(maintenance, { cron: pattern, timeZone });
      } else {
        await maintenance.removeJobScheduler(nightlyPayoutJob);
      }
      const scheduler = enabled ? await maintenance.getJobScheduler(nightlyPayoutJob) : undefined;
      return { schedule: scheduler ? scheduleView(scheduler, saved) : null };
    },
  );

  app.post(
    '/schedules/nightly-payout/run',
    {
      onRequest: requireRole(deps.db, roles.startWork),
      preHandler: idempotent.preHandler,
      onSend: idempotent.onSend,
      schema: {
        tags: ['schedules'],
        summary: 'Start a nightly payout run now; 202 with the job (GET /jobs/:jobId follows it)',
        body: runBody,
        response: answers({ 202: jobAccepted }),
      },
    },
    async (request, reply) => {
      const job = await startRecordedJob(
        deps,
        nightlyPayoutJob,
        `nightly-payout-run-${randomUUID()}`,
        { autoExecute: request.body?.autoExecute },
        actorOf(request),
      );
      return reply.status(202).send({ jobId: job.id ?? '' });
    },
  );
}
