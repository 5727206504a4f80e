import { getPayoutSchedule, type PayoutScheduleRecord } from '@payouts/core';
import { setNightlySchedule, startNightlyRun } from '@payouts/operations';
import { MaintenanceJob, QueueName } from '@payouts/queue';
import type { JobSchedulerJson } from 'bullmq';
import { CronExpressionParser } from 'cron-parser';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiDeps } from '../api-deps.ts';
import { actorOf, requireRole, roles } from '../plugins/auth.ts';
import { idempotency } from '../plugins/idempotency.ts';
import { bodyErrors, errorAnswers, idempotencyKeyHeaders, jobAccepted } from '../plugins/openapi.ts';
import { nightlyScheduleAnswer, schedulesAnswer } from './schedules.responses.ts';
import { text } from './schemas.ts';

/** The maintenance job (and scheduler id) of the nightly run; the worker processes it by this name. */
const nightlyPayoutJob = MaintenanceJob.nightlyPayout;

/**
 * When a 5-field cron expression (minute hour day-of-month month day-of-week) next fires after `after` in a
 * time zone, read by the parser BullMQ schedules with; null when it does not parse or never fires (`0 0 31 2 *`).
 */
export function nextCronOccurrence(cron: string, timeZone: string, after = new Date()): Date | null {
  if (cron.trim().split(/\s+/).length !== 5) return null;
  try {
    return CronExpressionParser.parse(cron, { tz: timeZone, currentDate: after }).next().toDate();
  } catch {
    return null;
  }
}

/** Whether the parser reads this 5-field cron expression, leaving open whether it ever fires. */
export function isFiveFieldCron(cron: string): boolean {
  if (cron.trim().split(/\s+/).length !== 5) return false;
  try {
    CronExpressionParser.parse(cron, { tz: 'UTC' });
    return true;
  } catch {
    return false;
  }
}

export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat(undefined, { timeZone });
    return true;
  } catch {
    return false;
  }
}

const nightlyBody = z
  .strictObject({
    cron: text({ max: 200 }).refine(
      isFiveFieldCron,
      'a 5-field cron expression (minute hour day-of-month month day-of-week)',
    ),
    timeZone: text({ max: 100 }).refine(isTimeZone, 'an IANA time zone such as UTC or Europe/Berlin'),
    enabled: z.boolean(),
    autoExecute: z.boolean(),
  })
  .superRefine((body, ctx) => {
    // A pattern that never fires (31 February) would make BullMQ fail when it schedules the next run.
    if (!nextCronOccurrence(body.cron, body.timeZone)) {
      ctx.addIssue({ code: 'custom', path: ['cron'], message: `never fires in time zone ${body.timeZone}` });
    }
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
      onRequest: requireRole(deps.db, roles.readers),
      schema: {
        tags: ['schedules'],
        summary: 'The job schedulers of the maintenance queue (reconcile, nightly payout...) and when each runs next',
        response: {
          200: schedulesAnswer,
          ...errorAnswers(403),
        },
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
      onRequest: requireRole(deps.db, roles.scheduleChangers),
      schema: {
        tags: ['schedules'],
        summary: 'Set (or, with enabled false, remove) the nightly payout schedule and whether it executes batches',
        body: nightlyBody,
        response: {
          200: nightlyScheduleAnswer,
          ...errorAnswers(403, ...bodyErrors),
        },
      },
    },
    async (request) => {
      const { cron, timeZone, enabled, autoExecute } = request.body;
      const pattern = cron.trim().split(/\s+/).join(' ');
      // Postgres first, with who changed it: workers read whether a run executes from there, and put
      // the job scheduler back from there if Redis loses or changes it.
      const saved = await setNightlySchedule(deps, { cron: pattern, timeZone, enabled, autoExecute }, actorOf(request));
      const scheduler = enabled ? await maintenance.getJobScheduler(nightlyPayoutJob) : undefined;
      return { schedule: scheduler ? scheduleView(scheduler, saved) : null };
    },
  );

  app.post(
    '/schedules/nightly-payout/run',
    {
      onRequest: requireRole(deps.db, roles.workStarters),
      preHandler: idempotent.preHandler,
      onSend: idempotent.onSend,
      schema: {
        tags: ['schedules'],
        summary: 'Start a nightly payout run now; 202 with the job (GET /jobs/:jobId follows it)',
        body: runBody,
        headers: idempotencyKeyHeaders,
        response: {
          202: jobAccepted,
          ...errorAnswers(403, 409, ...bodyErrors, 422),
        },
      },
    },
    async (request, reply) => {
      const job = await startNightlyRun(deps, { autoExecute: request.body?.autoExecute }, actorOf(request));
      return reply.status(202).send({ jobId: job.id ?? '' });
    },
  );
}
