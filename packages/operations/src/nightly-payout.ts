import { type Actor, ConflictError, createBatches, findJobRequest, getPayoutSchedule, writeAudit } from '@payouts/core';
import { jobRequestParams, MaintenanceJob, nightlyRunJobId, QueueName } from '@payouts/queue';
import type { Job } from 'bullmq';
import { requestBatchExecution } from './batch-requests.ts';
import type { OperationsDeps } from './deps.ts';
import { startRecordedJob } from './job-requests.ts';

export interface NightlyPayoutReport {
  batchIds: string[];
  executed: boolean;
}

export interface NightlyRun {
  /** From the schedule in Postgres, or from the recorded request of a run started by hand. */
  autoExecute: boolean;
  actor: Actor;
  /** A run started by hand: its JobRequest, completed with the batches it made. */
  requestId?: string;
}

const scheduledActor = { actor: 'system:nightly-payout' };

/** Starts a nightly run now, recorded with who asked and whether it executes (default: the schedule's). */
export async function startNightlyRun(deps: OperationsDeps, options: { autoExecute?: boolean }, who: Actor) {
  return startRecordedJob(deps, MaintenanceJob.nightlyPayout, nightlyRunJobId(), options, who);
}

/**
 * What a nightly-payout job may do, decided from Postgres, never from its data: a run started by hand
 * carries its recorded request (who, and whether to execute); a scheduled run is authorised by the
 * schedule, which also says whether it executes. A refusal says why when neither authorises it.
 */
export async function authoriseNightlyRun(
  deps: OperationsDeps,
  job: Pick<Job, 'id'>,
  scheduleAllowedByConfig: boolean,
): Promise<NightlyRun | { refused: string }> {
  const schedule = await getPayoutSchedule(deps);
  const kind = { queue: QueueName.maintenance, name: MaintenanceJob.nightlyPayout };
  const request = await findJobRequest(deps, job.id ?? '', kind);
  if (request) {
    const params = jobRequestParams[MaintenanceJob.nightlyPayout].safeParse(request.params);
    if (!params.success) return { refused: `request ${request.id} has unreadable parameters` };
    const autoExecute = params.data.autoExecute ?? schedule?.autoExecute ?? false;
    return { autoExecute, actor: { actor: request.actor }, requestId: request.id };
  }
  if (!scheduleAllowedByConfig || !schedule?.enabled) {
    return { refused: 'the nightly payout schedule is disabled and nobody asked for this run' };
  }
  return { autoExecute: schedule.autoExecute, actor: scheduledActor };
}

/** Creates batches for everyone payable and, when the run says so, executes them. An empty night is noted. */
export async function runNightlyPayout(deps: OperationsDeps, run: NightlyRun): Promise<NightlyPayoutReport> {
  let batchIds: string[];
  try {
    const { provider, minPayout, maxBatchSize } = deps.rules;
    const result = await createBatches(
      deps,
      { provider, minPayout, maxBatchSize, requestId: run.requestId },
      run.actor,
    );
    batchIds = result.batches.map((b) => b.id);
  } catch (error) {
    // This request's run already happened (the job ran again): do nothing twice.
    if (error instanceof ConflictError && (error.details as { reason?: string })?.reason === 'REQUEST_DONE') {
      return { batchIds: [], executed: false };
    }
    throw error;
  }
  if (batchIds.length === 0) {
    await writeAudit(deps.db, run.actor, { action: 'nightly.nothing_to_pay', status: 'INFO' });
    deps.logger.info('nightly payout: nobody is payable');
    return { batchIds: [], executed: false };
  }
  if (run.autoExecute) {
    for (const batchId of batchIds) await requestBatchExecution(deps, batchId, run.actor);
  }
  deps.logger.info({ batchIds, executed: run.autoExecute, actor: run.actor.actor }, 'nightly payout created batches');
  return { batchIds, executed: run.autoExecute };
}
