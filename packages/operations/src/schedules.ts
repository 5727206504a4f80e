import {
  type Actor,
  ensurePayoutSchedule,
  getPayoutSchedule,
  type PayoutScheduleRecord,
  type PayoutScheduleSettings,
  setPayoutSchedule,
} from '@payouts/core';
import { assertQueueReachable, MaintenanceJob, upsertNightlyPayoutSchedule } from '@payouts/queue';
import type { OperationsDeps } from './deps.ts';

/** Sets the nightly schedule in Postgres (audited, with who), then its copy in the queue. */
export async function setNightlySchedule(
  deps: OperationsDeps,
  settings: PayoutScheduleSettings,
  who: Actor,
): Promise<PayoutScheduleRecord> {
  const maintenance = deps.queues.maintenance;
  // Redis down: refused before Postgres and the queue's copy could disagree.
  assertQueueReachable(maintenance);
  const saved = await setPayoutSchedule(deps, settings, who);
  if (saved.enabled) await upsertNightlyPayoutSchedule(maintenance, saved);
  else await maintenance.removeJobScheduler(MaintenanceJob.nightlyPayout);
  return saved;
}

export interface SchedulerConfig {
  reconcileEveryMs: number;
  /** NIGHTLY_PAYOUT_ENABLED: false keeps the nightly scheduler off whatever the schedule says. */
  nightlyEnabled: boolean;
  /** The schedule the environment gives, stored the first time only. */
  nightlyDefaults: Omit<PayoutScheduleSettings, 'enabled'>;
  /** ACCOUNT_SYNC_CRON and ACCOUNT_SYNC_TZ; null (`off`) removes the scheduled account sync. */
  accountSync: { cron: string; timeZone: string } | null;
}

export interface SchedulersRestored {
  /** The scheduler ids that were missing or differed from what they should be, and were set again. */
  restored: string[];
}

/**
 * Makes the queue's job schedulers what they should be: the reconciler and the account sync from config,
 * the nightly payout from its schedule in Postgres (created from the environment the first time). Only
 * what is missing or differs is written, so workers call it at start and then periodically: a Redis that
 * lost its data, or a scheduler changed in Redis alone, is repaired without a restart. Idempotent across
 * processes.
 */
export async function ensureSchedulers(deps: OperationsDeps, config: SchedulerConfig): Promise<SchedulersRestored> {
  const queue = deps.queues.maintenance;
  const restored: string[] = [];
  const reconcile = await queue.getJobScheduler(MaintenanceJob.reconcile);
  if (Number(reconcile?.every) !== config.reconcileEveryMs) {
    await queue.upsertJobScheduler(
      MaintenanceJob.reconcile,
      { every: config.reconcileEveryMs },
      { name: MaintenanceJob.reconcile, opts: { removeOnComplete: 100, removeOnFail: 100 } },
    );
    restored.push(MaintenanceJob.reconcile);
  }

  const nightly = await queue.getJobScheduler(MaintenanceJob.nightlyPayout);
  const schedule = config.nightlyEnabled
    ? await ensurePayoutSchedule(deps, { ...config.nightlyDefaults, enabled: true }, { actor: 'system:config' })
    : await getPayoutSchedule(deps);
  const wanted = config.nightlyEnabled && schedule?.enabled ? schedule : null;
  if (!wanted) {
    if (nightly) {
      await queue.removeJobScheduler(MaintenanceJob.nightlyPayout);
      restored.push(MaintenanceJob.nightlyPayout);
    }
  } else if (nightly?.pattern !== wanted.cron || nightly?.tz !== wanted.timeZone) {
    await upsertNightlyPayoutSchedule(queue, wanted);
    restored.push(MaintenanceJob.nightlyPayout);
  }

  const accountSync = await queue.getJobScheduler(MaintenanceJob.scheduledAccountSync);
  if (!config.accountSync) {
    if (accountSync) {
      await queue.removeJobScheduler(MaintenanceJob.scheduledAccountSync);
      restored.push(MaintenanceJob.scheduledAccountSync);
    }
  } else if (accountSync?.pattern !== config.accountSync.cron || accountSync?.tz !== config.accountSync.timeZone) {
    await queue.upsertJobScheduler(
      MaintenanceJob.scheduledAccountSync,
      { pattern: config.accountSync.cron, tz: config.accountSync.timeZone },
      { name: MaintenanceJob.scheduledAccountSync, opts: { removeOnComplete: 30, removeOnFail: 30 } },
    );
    restored.push(MaintenanceJob.scheduledAccountSync);
  }
  if (restored.length > 0) deps.logger.info({ restored }, 'job schedulers set from config and Postgres');
  return { restored };
}
