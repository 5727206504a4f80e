import { MaintenanceJob, QueueName } from '@payouts/queue';
import { insertAffiliate, makeTestContext, resetBusinessData, type TestContext } from '@payouts/testing';
import type { Job } from 'bullmq';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureWorkerSchedulers } from '../src/processors/maintenance.processor.ts';
import { keepSchedulers } from '../src/scheduler-keeper.ts';
import type { RunningWorkers } from '../src/start-workers.ts';
import type { WorkerDeps } from '../src/worker-deps.ts';
import { flushQueues, startEngine, waitUntil } from './support/engine-harness.ts';

// The scheduled account sync (ACCOUNT_SYNC_CRON): its job scheduler follows this worker's config, and its
// jobs refresh every payout account's KYC from the provider, audited as the schedule.

const scheduledSync = MaintenanceJob.scheduledAccountSync;

let ctx: TestContext;
let deps: WorkerDeps;
let running: RunningWorkers;

beforeAll(async () => {
  ctx = await makeTestContext();
});
afterAll(async () => ctx?.cleanup());

beforeEach(async () => {
  await resetBusinessData(ctx.db);
  await flushQueues(ctx);
});
afterEach(async () => {
  await running?.close();
});

function restart(env: Record<string, string>) {
  ({ deps, running } = startEngine(ctx, env));
}

/** Waits until the worker has finished with the job; answers the job as it ended. */
async function finished(job: Job): Promise<Job> {
  await waitUntil(async () => ['completed', 'failed'].includes(await job.getState()), `job ${job.id} to finish`);
  const ended = await deps.queues[QueueName.maintenance].getJob(job.id ?? '');
  if (!ended) throw new Error(`job ${job.id} is gone`);
  return ended;
}

async function kycChanges() {
  const rows = await ctx.db.disbursementAuditLog.findMany({ where: { action: 'payout_account.kyc_changed' } });
  return rows.map((row) => ({ actor: row.actor, change: `${row.fromStatus}->${row.toStatus}` }));
}

describe('scheduled account sync', () => {
  it('sets its job scheduler from ACCOUNT_SYNC_CRON and ACCOUNT_SYNC_TZ, once', async () => {
    restart({ ACCOUNT_SYNC_CRON: '15 4 * * 1-5', ACCOUNT_SYNC_TZ: 'Europe/Berlin' });
    const queue = deps.queues[QueueName.maintenance];
    expect((await ensureWorkerSchedulers(deps)).restored).toEqual(['reconcile', scheduledSync]);
    expect(await queue.getJobScheduler(scheduledSync)).toMatchObject({
      name: scheduledSync,
      pattern: '15 4 * * 1-5',
      tz: 'Europe/Berlin',
    });
    // Nothing differs on the next check, so nothing is written.
    expect((await ensureWorkerSchedulers(deps)).restored).toEqual([]);

    // The default: every night at 03:00 UTC.
    await running.close();
    restart({});
    expect((await ensureWorkerSchedulers(deps)).restored).toEqual([scheduledSync]);
    expect(await deps.queues[QueueName.maintenance].getJobScheduler(scheduledSync)).toMatchObject({
      pattern: '0 3 * * *',
      tz: 'UTC',
    });
  });

  it('removes its job scheduler when a worker has ACCOUNT_SYNC_CRON=off', async () => {
    restart({ ACCOUNT_SYNC_CRON: '0 5 * * *' });
    await ensureWorkerSchedulers(deps);
    expect(await deps.queues[QueueName.maintenance].getJobScheduler(scheduledSync)).toBeDefined();

    await running.close();
    restart({ ACCOUNT_SYNC_CRON: 'off' });
    expect((await ensureWorkerSchedulers(deps)).restored).toEqual([scheduledSync]);
    expect(await deps.queues[QueueName.maintenance].getJobScheduler(scheduledSync)).toBeUndefined();
    expect((await ensureWorkerSchedulers(deps)).restored).toEqual([]);
  });

  it('a running worker puts back the scheduler that Redis lost, or that someone changed there alone', async () => {
    restart({ ACCOUNT_SYNC_CRON: '0 5 * * *', ACCOUNT_SYNC_TZ: 'America/New_York' });
    const queue = deps.queues[QueueName.maintenance];
    // As the worker process does at start (main.ts), with a short period for the test.
    const stopKeeping = await keepSchedulers(deps, 200);
    try {
      const inPlace = async () => {
        const scheduler = await queue.getJobScheduler(scheduledSync);
        return scheduler?.pattern === '0 5 * * *' && scheduler.tz === 'America/New_York';
      };
      expect(await inPlace()).toBe(true);

      await queue.removeJobScheduler(scheduledSync);
      expect(await queue.getJobScheduler(scheduledSync)).toBeUndefined();
      await waitUntil(inPlace, 'the removed scheduler to be back', 10);

      await queue.upsertJobScheduler(scheduledSync, { pattern: '* * * * *', tz: 'UTC' }, { name: scheduledSync });
      await waitUntil(inPlace, 'the changed scheduler to be set back', 10);

      expect(await flushQueues(ctx)).toBeGreaterThan(0);
      await waitUntil(inPlace, 'the scheduler to be back after a flush', 10);
    } finally {
      stopKeeping();
    }
  });

  it("a job from the scheduler refreshes each payout account's KYC, audited as the schedule", async () => {
    const pending = await insertAffiliate(ctx.db, { commissions: ['10.00'], kyc: 'PENDING' });
    const refused = await insertAffiliate(ctx.db, { commissions: ['10.00'], kyc: 'APPROVED' });
    const unchanged = await insertAffiliate(ctx.db, { commissions: ['10.00'], kyc: 'APPROVED' });
    // The mock provider approves every payee but those scripted to fail permanently, which it reports REJECTED.
    restart({ ACCOUNT_SYNC_CRON: '0 3 * * *', MOCK_PROVIDER_FAULTS_BY_PAYEE: `${refused.riseId}=permanent` });
    await ensureWorkerSchedulers(deps);

    // The job the scheduler queued for 03:00, run now: the same job production runs, only sooner.
    const queue = deps.queues[QueueName.maintenance];
    const [next] = (await queue.getDelayed()).filter((job) => job.name === scheduledSync);
    if (!next) throw new Error('the scheduler queued no job');
    await next.promote();
    const run = await finished(next);
    expect(run.failedReason).toBeUndefined();
    expect(run.returnvalue).toEqual({ checked: 3, changed: 2, failed: 0 });

    const kycOf = async (riseId: string | null) =>
      (await ctx.db.affiliateRiseAccount.findFirstOrThrow({ where: { riseId: riseId ?? '' } })).kycStatus;
    expect([await kycOf(pending.riseId), await kycOf(refused.riseId), await kycOf(unchanged.riseId)]).toEqual([
      'APPROVED',
      'REJECTED',
      'APPROVED',
    ]);
    expect((await kycChanges()).sort((a, b) => a.change.localeCompare(b.change))).toEqual([
      { actor: 'system:account-sync-schedule', change: 'APPROVED->REJECTED' },
      { actor: 'system:account-sync-schedule', change: 'PENDING->APPROVED' },
    ]);
  });

  it('a scheduled account sync on a worker whose schedule is off is refused and changes nothing', async () => {
    const pending = await insertAffiliate(ctx.db, { commissions: ['10.00'], kyc: 'PENDING' });
    restart({ ACCOUNT_SYNC_CRON: 'off' });
    // A job with the scheduler's name, left from when the schedule was on or added by hand.
    const job = await deps.queues[QueueName.maintenance].add(scheduledSync, {}, { jobId: 'sync-off', attempts: 3 });
    const ended = await finished(job);

    expect(await ended.getState()).toBe('failed');
    expect(ended.attemptsMade).toBe(1); // refused at once, never retried
    expect(ended.failedReason).toMatch(/^refused: the scheduled account sync is off/);
    const account = await ctx.db.affiliateRiseAccount.findFirstOrThrow({ where: { riseId: pending.riseId ?? '' } });
    expect([account.kycStatus, account.lastSyncAt]).toEqual(['PENDING', null]);
    expect(await kycChanges()).toEqual([]);
    const refusals = await ctx.db.disbursementAuditLog.findMany({ where: { action: 'job.refused' } });
    expect(refusals.map((row) => [row.actor, (row.details as { jobId: string }).jobId])).toEqual([
      ['system:worker', 'sync-off'],
    ]);
  });
});
