import type { Queue } from 'bullmq';

/** Names of the jobs of the maintenance queue: the worker dispatches on them, the API starts them. */
export const MaintenanceJob = {
  reconcile: 'reconcile',
  nightlyPayout: 'nightly-payout',
  accountSync: 'account-sync',
} as const;

export interface NightlyPayoutSchedule {
  cron: string;
  timeZone: string;
  autoExecute: boolean;
}

/** Sets the nightly payout's job scheduler; the job carries autoExecute, which wins over the environment's. */
export async function upsertNightlyPayoutSchedule(maintenance: Queue, schedule: NightlyPayoutSchedule) {
  await maintenance.upsertJobScheduler(
    MaintenanceJob.nightlyPayout,
    { pattern: schedule.cron, tz: schedule.timeZone },
    {
      name: MaintenanceJob.nightlyPayout,
      data: { autoExecute: schedule.autoExecute },
      opts: { removeOnComplete: 30, removeOnFail: 30 },
    },
  );
}
