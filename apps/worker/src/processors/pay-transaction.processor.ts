import {
  PaymentPermanentError,
  PaymentRateLimitedError,
  PaymentRetryableError,
  PaymentSuspendedError,
  type PayOutcome,
  parseUsd,
  payTransaction,
} from '@payouts/core';
import { countPaidAmount, type PaymentAttemptOutcome } from '@payouts/metrics';
import { endProviderSuspension, sendToDeadLetters, suspendPaying } from '@payouts/operations';
import { QueueName } from '@payouts/queue';
import { DelayedError, type Job, UnrecoverableError, Worker } from 'bullmq';
import type { WorkerDeps } from '../worker-deps.ts';
import { reportBatchProgress } from './batch-progress.ts';
import { parsePayloadOrRefuse, refuseJob } from './job-refusal.ts';

const actor = { actor: 'system:pay-transaction' };

/** pay-transaction: one payment, exactly once; the error's class decides between retry and give up. */
export function makePayTransactionProcessor(deps: WorkerDeps) {
  // Whether this process paused paying: its next payment that goes through ends the episode.
  let pausedPaying = false;
  return async (job: Job, token?: string): Promise<PayOutcome> => {
    const { transactionId, batchId } = await parsePayloadOrRefuse(deps, QueueName.payTransaction, job);
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    let outcome: PayOutcome;
    try {
      outcome = await payTransaction(deps, { transactionId, batchId }, actor, { lastAttempt });
    } catch (error) {
      deps.metrics.paymentAttempts.inc({ outcome: failedAttemptOutcome(error) });
      if (error instanceof PaymentPermanentError) {
        await sendToDeadLetters(deps, transactionId, job.attemptsMade + 1);
        throw new UnrecoverableError(error.message);
      }
      if (error instanceof PaymentRateLimitedError) {
        // The provider said slow down: every worker waits Retry-After (the queue's rate limit), and this
        // job goes back to waiting without spending an attempt.
        await deps.queues[QueueName.payTransaction].rateLimit(error.retryAfterMs);
        throw Worker.RateLimitError();
      }
      if (error instanceof PaymentSuspendedError) {
        // The provider refuses every payment (balance, wallet, settings): pause the whole queue and put
        // this job back without spending its attempt, rather than failing every payment one by one.
        pausedPaying = true;
        await suspendPaying(deps, { code: error.code, message: error.message }, deps.env.PROVIDER_PAUSE_MS);
        throw Worker.RateLimitError();
      }
      throw error;
    }
    countAttempt(deps, outcome);
    if (outcome.outcome === 'REFUSED') {
      const why = outcome.status ? `${outcome.reason} (batch ${outcome.status})` : outcome.reason;
      throw await refuseJob(deps, job, `transaction ${transactionId} of batch ${batchId}: ${why}`, {
        batchId,
        transactionId,
      });
    }
    // Someone else holds a live claim (a stalled copy of this job): come back when its lease ends,
    // without spending an attempt.
    if (outcome.outcome === 'NOT_CLAIMABLE' && outcome.leaseEndsAt && token) {
      await job.moveToDelayed(outcome.leaseEndsAt.getTime() + 1000, token);
      throw new DelayedError();
    }
    if (outcome.outcome === 'COMPLETED' && pausedPaying) {
      pausedPaying = false;
      await endProviderSuspension(deps);
    }
    // Best effort: a progress display must never fail a payment that was made.
    await reportBatchProgress(job, batchId, deps.queues[QueueName.finalizeBatch]).catch((error: Error) =>
      deps.logger.debug({ batchId, err: error.message }, 'could not report batch progress'),
    );
    return outcome;
  };
}

function failedAttemptOutcome(error: unknown): PaymentAttemptOutcome {
  if (error instanceof PaymentPermanentError) return 'failed';
  if (error instanceof PaymentRateLimitedError) return 'rate_limited';
  if (error instanceof PaymentSuspendedError) return 'suspended';
  if (error instanceof PaymentRetryableError) return 'retrying';
  return 'error';
}

/** Counted before the job completes, so a batch seen COMPLETED has every one of its payments counted. */
function countAttempt(deps: WorkerDeps, outcome: PayOutcome) {
  const labels = { COMPLETED: 'completed', NOT_CLAIMABLE: 'not_claimable', REFUSED: 'refused' } as const;
  deps.metrics.paymentAttempts.inc({ outcome: labels[outcome.outcome] });
  if (outcome.outcome !== 'COMPLETED') return;
  try {
    countPaidAmount(deps.metrics, outcome.currency, parseUsd(outcome.amount));
  } catch (error) {
    // The payment is made and recorded: monitoring must not fail its job.
    deps.logger.warn({ amount: outcome.amount, err: (error as Error).message }, 'could not count a paid amount');
  }
}
