import { syncPayoutAccounts } from '@payouts/core';
import { MaintenanceJob, upsertNightlyPayoutSchedule } from '@payouts/queue';
import type { Job } from 'bullmq';
import { runNightlyPayout } from '../maintenance/nightly-payout.job.ts';
import { reconcile } from '../maintenance/reconcile.job.ts';
import type { WorkerDeps } from '../worker-deps.ts';

/** maintenance: the scheduled jobs, by name. */
export function makeMaintenanceProcessor(deps: WorkerDeps) {
  return async (job: Job) => {
    switch (job.name) {
      case MaintenanceJob.reconcile:
        return reconcile(deps);
      case MaintenanceJob.nightlyPayout: {
        // The schedule's own setting (PUT /schedules/nightly-payout) wins over the environment's.
        const data = job.data as { autoExecute?: unknown } | undefined;
        const autoExecute =
          typeof data?.autoExecute === 'boolean' ? data.autoExecute : deps.env.NIGHTLY_PAYOUT_AUTO_EXECUTE;
        return runNightlyPayout(deps, { autoExecute });
      }
      case MaintenanceJob.accountSync:
        return syncPayoutAccounts(deps, { actor: 'system:account-sync' });
      default:
        throw new Error(`unknown maintenance job ${job.name}`);
    }
  };
}

/** Registers (or removes) the job schedulers from config; every worker process may do this: it is idempotent. */
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
  // The environment gives the first schedule; once one exists, PUT /schedules/nightly-payout owns it and a
  // restarting worker must not put the old one back.
  if (await queue.getJobScheduler(MaintenanceJob.nightlyPayout)) return;
  await upsertNightlyPayoutSchedule(queue, {
    cron: deps.env.NIGHTLY_PAYOUT_CRON,
    timeZone: deps.env.NIGHTLY_PAYOUT_TZ,
    autoExecute: deps.env.NIGHTLY_PAYOUT_AUTO_EXECUTE,
  });
}
