import { type Actor, ConflictError, createBatches, queueBatchExecution, writeAudit } from '@payouts/core';
import { enqueue, executeJobId, QueueName } from '@payouts/queue';
import type { WorkerDeps } from '../worker-deps.ts';

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

/** Creates batches for everyone payable and, when configured, executes them. An empty night is noted. */
export async function runNightlyPayout(deps: WorkerDeps, run: NightlyRun): Promise<NightlyPayoutReport> {
  let batchIds: string[];
  try {
    const result = await createBatches(
      deps,
      {
        provider: deps.env.PAYOUT_PROVIDER,
        minPayout: deps.env.MIN_PAYOUT_USD,
        maxBatchSize: deps.env.MAX_BATCH_SIZE,
        requestId: run.requestId,
      },
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
    for (const batchId of batchIds) {
      await queueBatchExecution(deps, batchId, run.actor);
      await enqueue(deps.queues, QueueName.executeBatch, { batchId }, executeJobId(batchId));
    }
  }
  deps.logger.info({ batchIds, executed: run.autoExecute, actor: run.actor.actor }, 'nightly payout created batches');
  return { batchIds, executed: run.autoExecute };
}
