import { ensurePayoutSchedule, findJobRequest, getPayoutSchedule, syncPayoutAccounts } from '@payouts/core';
import { jobRequestParams, MaintenanceJob, QueueName, upsertNightlyPayoutSchedule } from '@payouts/queue';
import type { Job } from 'bullmq';
import { runNightlyPayout } from '../maintenance/nightly-payout.job.ts';
import { reconcile } from '../maintenance/reconcile.job.ts';
import type { WorkerDeps } from '../worker-deps.ts';
import { refuseJob } from './job-refusal.ts';

const nightlyActor = { actor: 'system:nightly-payout' };

/** maintenance: the scheduled jobs, by name, and the ones an API caller asked for (recorded in Postgres). */
export function makeMaintenanceProcessor(deps: WorkerDeps) {
  return async (job: Job) => {
    switch (job.name) {
      case MaintenanceJob.reconcile:
        return reconcile(deps);
      case MaintenanceJob.nightlyPayout:
        return nightlyPayout(deps, job);
      case MaintenanceJob.accountSync: {
        const request = await findJobRequest(deps, job.id ?? '', {
          queue: QueueName.maintenance,
          name: MaintenanceJob.accountSync,
        });
        if (!request) throw await refuseJob(deps, job, 'no account sync request was recorded for this job');
        return syncPayoutAccounts(deps, { actor: request.actor });
      }
      default:
        throw await refuseJob(deps, job, `unknown maintenance job ${job.name}`);
    }
  };
}

/**
 * A run started by hand carries its recorded request (who, and whether to execute); a scheduled run is
 * authorised by the schedule in Postgres, which also says whether it executes. Never the job's data.
 */
async function nightlyPayout(deps: WorkerDeps, job: Job) {
  const schedule = await getPayoutSchedule(deps);
  const request = await findJobRequest(deps, job.id ?? '', {
    queue: QueueName.maintenance,
    name: MaintenanceJob.nightlyPayout,
  });
  if (request) {
    const params = jobRequestParams[MaintenanceJob.nightlyPayout].safeParse(request.params);
    if (!params.success) throw await refuseJob(deps, job, `request ${request.id} has unreadable parameters`);
    const autoExecute = params.data.autoExecute ?? schedule?.autoExecute ?? deps.env.NIGHTLY_PAYOUT_AUTO_EXECUTE;
    return runNightlyPayout(deps, { autoExecute, actor: { actor: request.actor }, requestId: request.id });
  }
  if (!deps.env.NIGHTLY_PAYOUT_ENABLED || !schedule?.enabled) {
    throw await refuseJob(deps, job, 'the nightly payout schedule is disabled and nobody asked for this run');
  }
  return runNightlyPayout(deps, { autoExecute: schedule.autoExecute, actor: nightlyActor });
}

/**
 * Registers the job schedulers: the reconciler from config, the nightly payout from its schedule in
 * Postgres (created from the environment the first time; PUT /schedules/nightly-payout owns it after
 * that). Every worker process may do this: it is idempotent.
 */
export async function upsertSchedulers(deps: WorkerDeps): Promise<void> {
  const queue = deps.queues.maintenance;
  await queue.upsertJobScheduler(
    MaintenanceJob.reconcile,
    { every: deps.env.RECONCILE_EVERY_MS },
    { name: MaintenanceJob.reconcile, opts: { removeOnComplete: 100, removeOnFail: 100 } },
  );
  if (!deps.env.NIGHTLY_PAYOUT_ENABLED) {
    await queue.removeJobScheduler(MaintenanceJob.nightlyPayout);
    return;
  }
  const schedule = await ensurePayoutSchedule(
    deps,
    {
      cron: deps.env.NIGHTLY_PAYOUT_CRON,
      timeZone: deps.env.NIGHTLY_PAYOUT_TZ,
      enabled: true,
      autoExecute: deps.env.NIGHTLY_PAYOUT_AUTO_EXECUTE,
    },
    { actor: 'system:config' },
  );
  if (!schedule.enabled) {
    await queue.removeJobScheduler(MaintenanceJob.nightlyPayout);
    return;
  }
  await upsertNightlyPayoutSchedule(queue, schedule);
}
