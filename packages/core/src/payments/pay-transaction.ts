import {
  type PaymentProvider,
  ProviderDuplicatePaymentError,
  ProviderOutcomeUnknownError,
  ProviderPermanentError,
  ProviderRateLimitedError,
  ProviderSuspendedError,
  ProviderTransientError,
} from '@payouts/providers';
import type { Actor, CoreDeps } from '../deps.ts';
import {
  coerceError,
  PaymentPermanentError,
  PaymentRateLimitedError,
  PaymentRetryableError,
  PaymentSuspendedError,
} from '../errors.ts';
import {
  type ClaimedTransaction,
  type ClaimRefusal,
  claimTransaction,
  recordPaymentCompleted,
  releaseClaim,
} from './transaction-transitions.ts';

export interface PaymentDeps extends CoreDeps {
  provider: PaymentProvider;
  /** How long a PROCESSING claim protects its holder; longer than the provider's timeout. */
  claimLeaseMs: number;
}

export type PayOutcome =
  /** `amount` as a decimal string ("1234.50"), exact. */
  | { outcome: 'COMPLETED'; providerTxId: string; foundByLookup: boolean; amount: string; currency: string }
  /** Another attempt settled or holds the transaction: nothing to do now. */
  | { outcome: 'NOT_CLAIMABLE'; status: string; leaseEndsAt?: Date }
  /** Postgres never authorised this payment (no such transaction in this batch, or the batch is not PROCESSING). */
  | { outcome: 'REFUSED'; reason: ClaimRefusal; status?: string };

/**
 * Pays one transaction at most once (DESIGN.md "Exactly-once payment"): claim by compare-and-set,
 * look the key up first when an earlier attempt may have paid, pay with the stable key, record the
 * result in one DB transaction. Throws PaymentRetryableError or PaymentPermanentError; the caller
 * decides about retries from the class alone.
 */
export async function payTransaction(
  deps: PaymentDeps,
  payment: { transactionId: string; batchId: string },
  who: Actor,
  options: { lastAttempt?: boolean } = {},
): Promise<PayOutcome> {
  const claim = await claimTransaction(deps, payment.transactionId, payment.batchId, deps.claimLeaseMs, who);
  if (!claim.claimed) {
    if ('refused' in claim) return { outcome: 'REFUSED', reason: claim.refused, status: claim.status };
    return { outcome: 'NOT_CLAIMABLE', status: claim.status, leaseEndsAt: claim.leaseEndsAt };
  }
  const tx = claim.transaction;

  let providerTxId: string;
  let foundByLookup = false;
  // Until a look-up answers, an earlier attempt may have paid: a failure before then must leave the
  // payment UNKNOWN (looked up first next time), never PENDING (which would pay without looking).
  let mayHavePaid = tx.previous !== 'PENDING';
  try {
    const known =
      tx.previous === 'PENDING'
        ? undefined
        : await deps.provider.getPaymentStatus({ idempotencyKey: tx.idempotencyKey, payeeId: tx.payeeRiseId ?? '' });
    mayHavePaid = false;
    if (known?.state === 'PAID') {
      providerTxId = known.providerTxId;
      foundByLookup = true;
    } else {
      const settleAt = unsettledUntil(deps, tx);
      if (settleAt) {
        // The unanswered attempt may still be executing at the provider: "not found" proves nothing yet.
        // Leave it UNKNOWN and look again once it has had a lease's time to land.
        const why = `no payment found yet for an unanswered attempt; looking again after ${settleAt.toISOString()}`;
        await releaseClaim(deps, tx, 'UNKNOWN', why, who, undefined, true);
        return { outcome: 'NOT_CLAIMABLE', status: 'UNKNOWN', leaseEndsAt: settleAt };
      }
      providerTxId = (await sendPayment(deps.provider, tx)).providerTxId;
    }
  } catch (thrown) {
    const attempt = { lastAttempt: options.lastAttempt ?? false, mayHavePaid };
    throw await settleFailedAttempt(deps, tx, coerceError(thrown), who, attempt);
  }

  // The money has moved. If recording fails (database down), the claim stays PROCESSING and whoever
  // takes it over after the lease looks the key up and records it: it is never paid again.
  const recorded = await recordPaymentCompleted(deps, tx, providerTxId, who);
  if (!recorded) return { outcome: 'NOT_CLAIMABLE', status: 'TAKEN_OVER' };
  return { outcome: 'COMPLETED', providerTxId, foundByLookup, amount: tx.amount.toFixed(2), currency: tx.currency };
}

/**
 * When an unanswered attempt (UNKNOWN) began less than a lease ago, the time from which a look-up that
 * finds nothing means nothing was paid; undefined once that time has passed. A provider may finish a
 * request after the client gave up on it, so paying again sooner could pay twice (the lease is longer
 * than the provider's timeout).
 */
function unsettledUntil(deps: PaymentDeps, tx: ClaimedTransaction): Date | undefined {
  if (tx.previous !== 'UNKNOWN' || !tx.lastRetryAt) return undefined;
  const settleAt = new Date(tx.lastRetryAt.getTime() + deps.claimLeaseMs);
  const now = deps.now?.() ?? new Date();
  return settleAt > now ? settleAt : undefined;
}

function sendPayment(provider: PaymentProvider, tx: ClaimedTransaction) {
  if (!tx.payeeRiseId) throw new ProviderPermanentError(`transaction ${tx.transactionId} has no payout account`);
  return provider.sendPayment({
    idempotencyKey: tx.idempotencyKey,
    payeeId: tx.payeeRiseId,
    amount: tx.amount.toFixed(2),
    currency: tx.currency,
    reference: tx.transactionId,
  });
}

/** Records what a failed attempt means and returns the error that tells the caller what to do. */
async function settleFailedAttempt(
  deps: PaymentDeps,
  tx: ClaimedTransaction,
  error: Error,
  who: Actor,
  attempt: { lastAttempt: boolean; mayHavePaid: boolean },
): Promise<Error> {
  const message = `${error.name}: ${error.message}`;
  const { lastAttempt, mayHavePaid } = attempt;
  if (error instanceof ProviderDuplicatePaymentError) {
    // Money moved more than once for this key: stop here for good, and never let a replay pay a third time.
    await releaseClaim(
      deps,
      tx,
      'FAILED',
      message,
      who,
      `DUPLICATE_PROVIDER_PAYMENTS ${error.providerTxIds.join(',')}`,
    );
    return new PaymentPermanentError(message);
  }
  if (mayHavePaid && (error instanceof ProviderTransientError || error instanceof ProviderPermanentError)) {
    // The look-up itself failed: only a look-up can say whether the earlier attempt paid.
    await releaseClaim(deps, tx, 'UNKNOWN', message, who);
    if (error instanceof ProviderSuspendedError) return new PaymentSuspendedError(message, error.code);
    const retryAfterMs = error instanceof ProviderRateLimitedError ? error.retryAfterMs : undefined;
    return new PaymentRetryableError(message, retryAfterMs);
  }
  if (error instanceof ProviderPermanentError) {
    await releaseClaim(deps, tx, 'FAILED', message, who);
    return new PaymentPermanentError(message);
  }
  if (error instanceof ProviderSuspendedError) {
    // Nothing was paid, and no payment can be until the cause is fixed: not this payment's attempt.
    await releaseClaim(deps, tx, 'PENDING', message, who);
    return new PaymentSuspendedError(message, error.code);
  }
  if (error instanceof ProviderRateLimitedError) {
    // Refused at the door: nothing was paid and nothing failed, so no attempt is counted.
    await releaseClaim(deps, tx, 'PENDING', message, who, undefined, true);
    return new PaymentRateLimitedError(message, error.retryAfterMs);
  }
  if (error instanceof ProviderTransientError) {
    // Nothing was paid: the last attempt may give up for good.
    await releaseClaim(deps, tx, lastAttempt ? 'FAILED' : 'PENDING', message, who);
    return lastAttempt ? new PaymentPermanentError(message) : new PaymentRetryableError(message);
  }
  // A timeout, a lost response or anything unexpected while talking to the provider: it may have paid.
  // Never FAILED here, even on the last attempt: only a look-up can tell, and the reconciler asks.
  const unknown = error instanceof ProviderOutcomeUnknownError ? error : new ProviderOutcomeUnknownError(message);
  await releaseClaim(deps, tx, 'UNKNOWN', `${unknown.name}: ${unknown.message}`, who);
  return new PaymentRetryableError(message);
}
