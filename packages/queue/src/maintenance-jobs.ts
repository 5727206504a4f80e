import type { Queue } from 'bullmq';

/** Names of the jobs of the maintenance queue: the worker dispatches on them, the API starts them. */
export const MaintenanceJob = {
  reconcile: 'reconcile',
  nightlyPayout: 'nightly-payout',
  /** Asked for through the API: runs only with its JobRequest recorded in Postgres. */
  accountSync: 'account-sync',
  /** Started by its job scheduler (ACCOUNT_SYNC_CRON): runs only on a worker whose config has that schedule. */
  scheduledAccountSync: 'scheduled-account-sync',
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
