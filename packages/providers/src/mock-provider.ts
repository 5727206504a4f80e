import { setTimeout as sleep } from 'node:timers/promises';
import { type Db, Prisma } from '@payouts/db';
import {
  type CallDecision,
  decideMockCall,
  type MockCall,
  type MockFaultPlan,
  type ResolvedFaultPlan,
  resolveFaultPlan,
} from './mock-faults.ts';
import { findMockPayment, recordMockPayment } from './mock-ledger.ts';
import type {
  PayeeStatus,
  PaymentLookup,
  PaymentProvider,
  PaymentReceipt,
  PaymentRequest,
  PaymentStatus,
} from './payment-provider.ts';
import {
  ProviderOutcomeUnknownError,
  ProviderPermanentError,
  ProviderRateLimitedError,
  ProviderTransientError,
} from './provider-errors.ts';
import type { PaymentConfirmation, PaymentConfirmationLookup } from './provider-events.ts';

export interface MockProviderOptions {
  db: Db;
  latencyMs?: number;
  /** Seeded, deterministic fault injection (see mock-faults.ts); every call succeeds when absent. */
  faults?: MockFaultPlan;
}

// numeric(18,2): more decimals would be rounded by Postgres, more digits would overflow it.
const amountPattern = /^\d{1,16}(\.\d{1,2})?$/;

/**
 * A deterministic provider that keeps a durable ledger (MockProviderPayment): one row per idempotency
 * key it has paid. A repeated key returns the first payment's providerTxId and moves no money; a
 * repeated key with another amount is refused. With `faults`, calls fail as the seeded plan says.
 */
export function makeMockProvider({ db, latencyMs = 0, faults }: MockProviderOptions): PaymentProvider {
  const wait = () => (latencyMs > 0 ? sleep(latencyMs) : Promise.resolve());
  const plan = faults ? resolveFaultPlan(faults) : undefined;
  const nextAttempt = plan ? makeAttemptCounter() : () => 1;

  return {
    name: 'MOCK',

    async sendPayment(request: PaymentRequest): Promise<PaymentReceipt> {
      // Numbered on arrival, before any await: concurrent calls for one key get distinct attempt numbers.
      const call: MockCall = { ...request, attempt: nextAttempt(request.idempotencyKey) };
      const decision = plan ? decideMockCall(plan, call) : 'ok';
      await wait();
      if (decision !== 'ok' && decision !== 'timeoutAfterPay') throw injectedFault(plan, decision, call);

      if (!amountPattern.test(request.amount) || new Prisma.Decimal(request.amount).isZero()) {
        throw new ProviderPermanentError(
          `amount must be a positive decimal with at most 2 decimal places, got ${request.amount}`,
        );
      }
      const amount = new Prisma.Decimal(request.amount);
      const row = await recordMockPayment(db, { ...request, amount });
      if (!row.amount.equals(amount)) {
        throw new ProviderPermanentError(
          `idempotency key ${request.idempotencyKey} was used for ${row.amount.toFixed(2)}, not ${amount.toFixed(2)}`,
        );
      }
      // Its one ledger row per key cannot hold a second payment (Rise would make one under a new nanoid).
      if (row.removedAt) {
        throw new ProviderPermanentError(`the payment for key ${request.idempotencyKey} was removed; use a new key`);
      }
      if (decision === 'timeoutAfterPay') throw injectedFault(plan, decision, call);
      return { providerTxId: row.providerTxId };
    },

    async getPaymentStatus({ idempotencyKey }: PaymentLookup): Promise<PaymentStatus> {
      await wait();
      const row = await findMockPayment(db, idempotencyKey);
      return row && !row.removedAt ? { state: 'PAID', providerTxId: row.providerTxId } : { state: 'NOT_FOUND' };
    },

    // The mock pays at once: a payment in its ledger is final unless removed (removeMockPayment).
    async getPaymentConfirmation({
      idempotencyKey,
      providerTxId,
    }: PaymentConfirmationLookup): Promise<PaymentConfirmation> {
      await wait();
      const row = await findMockPayment(db, idempotencyKey);
      if (row?.providerTxId !== providerTxId) return { state: 'NOT_FOUND' };
      if (row.removedAt) return { state: 'REMOVED', providerState: 'removed', reason: null };
      return { state: 'CONFIRMED', providerState: 'complete' };
    },

    async getPayeeStatus(payeeId: string): Promise<PayeeStatus> {
      await wait();
      if (plan?.byPayee.get(payeeId) === 'permanent') {
        return { payeeId, kycStatus: 'REJECTED', canReceivePayments: false };
      }
      return { payeeId, kycStatus: 'APPROVED', canReceivePayments: true };
    },
  };
}

/**
 * Send calls per key, counted in this provider instance's memory. The schema has nowhere durable to
 * keep them: the ledger has a row only once a key is paid, and every fault that matters for retries
 * (transient, rate limit, timeout before paying) happens before that. So a key's fault sequence is
 * reproducible within one process; after a restart, or when several worker processes share the keys,
 * each instance numbers a key's calls from 1 again.
 */
function makeAttemptCounter(): (idempotencyKey: string) => number {
  const calls = new Map<string, number>();
  return (idempotencyKey) => {
    const attempt = (calls.get(idempotencyKey) ?? 0) + 1;
    calls.set(idempotencyKey, attempt);
    return attempt;
  };
}

function injectedFault(plan: ResolvedFaultPlan | undefined, kind: Exclude<CallDecision, 'ok'>, call: MockCall): Error {
  const message = `mock provider: injected ${kind} for key ${call.idempotencyKey} (call ${call.attempt})`;
  switch (kind) {
    case 'transient':
      return new ProviderTransientError(message);
    case 'permanent':
      return new ProviderPermanentError(message);
    case 'rateLimited':
      return new ProviderRateLimitedError(message, plan?.rateLimitRetryAfterMs ?? 1000);
    case 'timeoutBeforePay':
    case 'timeoutAfterPay':
      return new ProviderOutcomeUnknownError(message);
  }
}
