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
}

/**
 * Sets the nightly payout's job scheduler, a copy of the schedule in Postgres. Its jobs carry no data:
 * whether a run executes what it creates is read from Postgres when it runs.
 */
export async function upsertNightlyPayoutSchedule(maintenance: Queue, schedule: NightlyPayoutSchedule) {
  await maintenance.upsertJobScheduler(
    MaintenanceJob.nightlyPayout,
    { pattern: schedule.cron, tz: schedule.timeZone },
    { name: MaintenanceJob.nightlyPayout, opts: { removeOnComplete: 30, removeOnFail: 30 } },
  );
}
