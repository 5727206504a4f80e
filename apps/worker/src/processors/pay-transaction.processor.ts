import { PaymentPermanentError, type PayOutcome, payTransaction } from '@payouts/core';
import { parsePayload, QueueName } from '@payouts/queue';
import { DelayedError, type Job, UnrecoverableError } from 'bullmq';
import type { WorkerDeps } from '../worker-deps.ts';

const actor = { actor: 'system:pay-transaction' };

/** pay-transaction: one payment, exactly once; the error's class decides between retry and give up. */
export function makePayTransactionProcessor(deps: WorkerDeps) {
  return async (job: Job, token?: string): Promise<PayOutcome> => {
    const { transactionId } = parsePayload(QueueName.payTransaction, job.data);
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    let outcome: PayOutcome;
    try {
      outcome = await payTransaction(deps, transactionId, actor, { lastAttempt });
    } catch (error) {
      if (error instanceof PaymentPermanentError) throw new UnrecoverableError(error.message);
      throw error;
    }
    // Someone else holds a live claim (a stalled copy of this job): come back when its lease ends,
    // without spending an attempt.
    if (outcome.outcome === 'NOT_CLAIMABLE' && outcome.leaseEndsAt && token) {
      await job.moveToDelayed(outcome.leaseEndsAt.getTime() + 1000, token);
      throw new DelayedError();
    }
    return outcome;
  };
}
