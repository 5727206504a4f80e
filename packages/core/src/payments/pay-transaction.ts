import {
  type PaymentProvider,
  ProviderOutcomeUnknownError,
  ProviderPermanentError,
  ProviderRateLimitedError,
  ProviderTransientError,
} from '@payouts/providers';
import type { Actor, CoreDeps } from '../deps.ts';
import { coerceError, PaymentPermanentError, PaymentRetryableError } from '../errors.ts';
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
  | { outcome: 'COMPLETED'; providerTxId: string; foundByLookup: boolean }
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
  try {
    const known =
      tx.previous === 'PENDING'
        ? undefined
        : await deps.provider.getPaymentStatus({ idempotencyKey: tx.idempotencyKey, payeeId: tx.payeeRiseId ?? '' });
    if (known?.state === 'PAID') {
      providerTxId = known.providerTxId;
      foundByLookup = true;
    } else {
      providerTxId = (await sendPayment(deps.provider, tx)).providerTxId;
    }
  } catch (thrown) {
    throw await settleFailedAttempt(deps, tx, coerceError(thrown), who, options.lastAttempt ?? false);
  }

  // The money has moved. If recording fails (database down), the claim stays PROCESSING and whoever
  // takes it over after the lease looks the key up and records it: it is never paid again.
  const recorded = await recordPaymentCompleted(deps, tx, providerTxId, who);
  if (!recorded) return { outcome: 'NOT_CLAIMABLE', status: 'TAKEN_OVER' };
  return { outcome: 'COMPLETED', providerTxId, foundByLookup };
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
  lastAttempt: boolean,
): Promise<Error> {
  const message = `${error.name}: ${error.message}`;
  if (error instanceof ProviderPermanentError) {
    await releaseClaim(deps, tx, 'FAILED', message, who);
    return new PaymentPermanentError(message);
  }
  if (error instanceof ProviderTransientError) {
    // Nothing was paid: the last attempt may give up for good.
    await releaseClaim(deps, tx, lastAttempt ? 'FAILED' : 'PENDING', message, who);
    const retryAfterMs = error instanceof ProviderRateLimitedError ? error.retryAfterMs : undefined;
    return lastAttempt ? new PaymentPermanentError(message) : new PaymentRetryableError(message, retryAfterMs);
  }
  // A timeout, a lost response or anything unexpected while talking to the provider: it may have paid.
  // Never FAILED here, even on the last attempt: only a look-up can tell, and the reconciler asks.
  const unknown = error instanceof ProviderOutcomeUnknownError ? error : new ProviderOutcomeUnknownError(message);
  await releaseClaim(deps, tx, 'UNKNOWN', `${unknown.name}: ${unknown.message}`, who);
  return new PaymentRetryableError(message);
}
