import { type Actor, describeDeadLetter, discardTransaction, replayTransaction } from '@payouts/core';
import {
  assertQueueReachable,
  deadLetterJobId,
  enqueue,
  enqueueReplay,
  QueueName,
  removeDeadLetters,
} from '@payouts/queue';
import type { OperationsDeps } from './deps.ts';

/**
 * Adds the dead letter of a FAILED transaction. Its id derives from the failure's time, so adding it
 * again (a re-run of the pay job, the reconciler) is a no-op: one dead letter per failure.
 */
export async function sendToDeadLetters(
  deps: OperationsDeps,
  transactionId: string,
  attemptsMade: number,
): Promise<boolean> {
  const letter = await describeDeadLetter(deps, transactionId, attemptsMade);
  if (!letter) return false;
  await enqueue(deps.queues, QueueName.deadLetter, letter, deadLetterJobId(transactionId, new Date(letter.failedAt)));
  deps.logger.warn({ transactionId, error: letter.error }, 'payment sent to the dead-letter queue');
  return true;
}

export interface ReplayedPayment {
  transactionId: string;
  batchId: string;
  round: number;
  jobId: string;
}

/**
 * Pays a FAILED transaction again: FAILED -> PENDING with a new idempotency key and its batch reopened
 * (in Postgres, with who asked), then a one-payment flow of its own, and its dead letters removed.
 */
export async function replayDeadLetter(
  deps: OperationsDeps,
  transactionId: string,
  who: Actor,
): Promise<ReplayedPayment> {
  // Redis down: refused before the payment is recorded as replayed, as is a discard.
  assertQueueReachable(deps.queues[QueueName.payTransaction]);
  const replay = await replayTransaction(deps, transactionId, who);
  const { jobId } = await enqueueReplay(deps.flowProducer, replay, deps.rules.payAttempts);
  await removeDeadLetters(deps.queues, replay.transactionId);
  return { ...replay, jobId };
}

export interface DiscardedPayment {
  transactionId: string;
  batchId: string;
  status: 'CANCELLED';
  deadLettersRemoved: number;
}

/** Gives up on a FAILED transaction: CANCELLED, its commission released, its dead letters removed. */
export async function discardDeadLetter(
  deps: OperationsDeps,
  transactionId: string,
  who: Actor,
): Promise<DiscardedPayment> {
  assertQueueReachable(deps.queues[QueueName.deadLetter]);
  const discarded = await discardTransaction(deps, transactionId, who);
  const deadLettersRemoved = await removeDeadLetters(deps.queues, discarded.transactionId);
  return { ...discarded, status: 'CANCELLED', deadLettersRemoved };
}
