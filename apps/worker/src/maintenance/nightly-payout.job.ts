import { createBatches, queueBatchExecution, writeAudit } from '@payouts/core';
import { enqueue, executeJobId, QueueName } from '@payouts/queue';
import type { WorkerDeps } from '../worker-deps.ts';

const actor = { actor: 'system:nightly-payout' };

export interface NightlyPayoutReport {
  batchIds: string[];
  executed: boolean;
}

/** Creates batches for everyone payable and, when configured, executes them. An empty night is noted. */
export async function runNightlyPayout(
  deps: WorkerDeps,
  options: { autoExecute: boolean },
): Promise<NightlyPayoutReport> {
  const result = await createBatches(
    deps,
    {
      provider: deps.env.PAYOUT_PROVIDER,
      minPayout: deps.env.MIN_PAYOUT_USD,
      maxBatchSize: deps.env.MAX_BATCH_SIZE,
    },
    actor,
  );
  if (result.status === 'NO_PAYABLE_AFFILIATES') {
    await writeAudit(deps.db, actor, { action: 'nightly.nothing_to_pay', status: 'INFO' });
    deps.logger.info('nightly payout: nobody is payable');
    return { batchIds: [], executed: false };
  }
  const batchIds = result.batches.map((b) => b.id);
  if (options.autoExecute) {
    for (const batchId of batchIds) {
      await queueBatchExecution(deps, batchId, actor);
      await enqueue(deps.queues, QueueName.executeBatch, { batchId, actor: actor.actor }, executeJobId(batchId));
    }
  }
  deps.logger.info({ batchIds, executed: options.autoExecute }, 'nightly payout created batches');
  return { batchIds, executed: options.autoExecute };
}
