import { findJobRequest, pollUnconfirmedPayments, syncPayoutAccounts } from '@payouts/core';
import { authoriseNightlyRun, ensureSchedulers, reconcile, runNightlyPayout } from '@payouts/operations';
import { MaintenanceJob, QueueName } from '@payouts/queue';
import type { Job } from 'bullmq';
import type { WorkerDeps } from '../worker-deps.ts';
import { refuseJob } from './job-refusal.ts';

const reconcilerActor = { actor: 'system:reconciler' };
/** Provider look-ups per reconcile run: older unconfirmed payments first, the rest next time. */
const confirmationsPerRun = 200;

/** maintenance: the scheduled jobs, by name, and the ones an API caller asked for (recorded in Postgres). */
export function makeMaintenanceProcessor(deps: WorkerDeps) {
  return async (job: Job) => {
    switch (job.name) {
      case MaintenanceJob.reconcile: {
        const repaired = await reconcile(deps, { eventQuietMs: deps.env.RECONCILE_EVERY_MS });
        const confirmations = await pollUnconfirmedPayments(
          deps,
          { afterMs: deps.env.PROVIDER_CONFIRM_AFTER_MS, limit: confirmationsPerRun, signal: deps.stopping.signal },
          reconcilerActor,
        );
        if (confirmations.reversed > 0 || confirmations.failed > 0) {
          deps.logger.warn(confirmations, 'payment look-ups found reversals or failed');
        }
        for (const [repair, count] of Object.entries(repaired)) deps.metrics.reconcilerRepairs.inc({ repair }, count);
        for (const result of ['confirmed', 'reversed', 'unsettled', 'failed'] as const) {
          deps.metrics.confirmationLookups.inc({ result }, confirmations[result]);
        }
        return { ...repaired, confirmations };
      }
      case MaintenanceJob.nightlyPayout: {
        const run = await authoriseNightlyRun(deps, job, deps.env.NIGHTLY_PAYOUT_ENABLED);
        if ('refused' in run) throw await refuseJob(deps, job, run.refused);
        return runNightlyPayout(deps, run);
      }
      case MaintenanceJob.accountSync: {
        const kind = { queue: QueueName.maintenance, name: MaintenanceJob.accountSync };
        const request = await findJobRequest(deps, job.id ?? '', kind);
        if (!request) throw await refuseJob(deps, job, 'no account sync request was recorded for this job');
        return syncPayoutAccounts(deps, { actor: request.actor });
      }
      case MaintenanceJob.scheduledAccountSync: {
        // No recorded request needed: one added by hand only re-reads KYC from the provider, and moves no money.
        if (!deps.env.ACCOUNT_SYNC_CRON) {
          throw await refuseJob(deps, job, 'the scheduled account sync is off on this worker (ACCOUNT_SYNC_CRON=off)');
        }
        return syncPayoutAccounts(deps, { actor: 'system:account-sync-schedule' });
      }
      default:
        throw await refuseJob(deps, job, `unknown maintenance job ${job.name}`);
    }
  };
}

/** The job schedulers this process keeps in place: from config, and the nightly schedule in Postgres. */
export function ensureWorkerSchedulers(deps: WorkerDeps) {
  return ensureSchedulers(deps, {
    reconcileEveryMs: deps.env.RECONCILE_EVERY_MS,
    nightlyEnabled: deps.env.NIGHTLY_PAYOUT_ENABLED,
    nightlyDefaults: {
      cron: deps.env.NIGHTLY_PAYOUT_CRON,
      timeZone: deps.env.NIGHTLY_PAYOUT_TZ,
      autoExecute: deps.env.NIGHTLY_PAYOUT_AUTO_EXECUTE,
    },
    accountSync: deps.env.ACCOUNT_SYNC_CRON
      ? { cron: deps.env.ACCOUNT_SYNC_CRON, timeZone: deps.env.ACCOUNT_SYNC_TZ }
      : null,
  });
}
