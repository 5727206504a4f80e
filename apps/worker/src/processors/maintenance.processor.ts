import { syncPayoutAccounts } from '@payouts/core';
import type { Job } from 'bullmq';
import { runNightlyPayout } from '../maintenance/nightly-payout.job.ts';
import { reconcile } from '../maintenance/reconcile.job.ts';
import type { WorkerDeps } from '../worker-deps.ts';

export const maintenanceJob = {
  reconcile: 'reconcile',
  nightlyPayout: 'nightly-payout',
  accountSync: 'account-sync',
} as const;

/** maintenance: the scheduled jobs, by name. */
export function makeMaintenanceProcessor(deps: WorkerDeps) {
  return async (job: Job) => {
    switch (job.name) {
      case maintenanceJob.reconcile:
        return reconcile(deps);
      case maintenanceJob.nightlyPayout: {
        // The schedule's own setting (PUT /schedules/nightly-payout) wins over the environment's.
        const data = job.data as { autoExecute?: unknown } | undefined;
        const autoExecute =
          typeof data?.autoExecute === 'boolean' ? data.autoExecute : deps.env.NIGHTLY_PAYOUT_AUTO_EXECUTE;
        return runNightlyPayout(deps, { autoExecute });
      }
      case maintenanceJob.accountSync:
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
    maintenanceJob.reconcile,
    { every: deps.env.RECONCILE_EVERY_MS },
    { name: maintenanceJob.reconcile, opts: { removeOnComplete: 100, removeOnFail: 100 } },
  );
  if (!deps.env.NIGHTLY_PAYOUT_ENABLED) {
    await queue.removeJobScheduler(maintenanceJob.nightlyPayout);
    return;
  }
  // The environment gives the first schedule; once one exists, PUT /schedules/nightly-payout owns it and a
  // restarting worker must not put the old one back.
  if (await queue.getJobScheduler(maintenanceJob.nightlyPayout)) return;
  await queue.upsertJobScheduler(
    maintenanceJob.nightlyPayout,
    { pattern: deps.env.NIGHTLY_PAYOUT_CRON, tz: deps.env.NIGHTLY_PAYOUT_TZ },
    {
      name: maintenanceJob.nightlyPayout,
      data: { autoExecute: deps.env.NIGHTLY_PAYOUT_AUTO_EXECUTE },
      opts: { removeOnComplete: 30, removeOnFail: 30 },
    },
  );
}
