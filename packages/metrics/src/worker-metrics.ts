import { Counter, Histogram, type Registry } from 'prom-client';
import { makeRegistry } from './registry.ts';

/**
 * How one run of a pay-transaction job ended: completed (recorded COMPLETED: paid now, or found paid by a
 * look-up), not_claimable (settled or held by another attempt), refused (Postgres never authorised it),
 * retrying (nothing paid, retried with backoff), failed (permanent: dead letter), rate_limited or suspended
 * (the provider said wait; the job waits without spending an attempt), error (anything else, retried).
 */
export const paymentAttemptOutcomes = [
  'completed',
  'not_claimable',
  'refused',
  'retrying',
  'failed',
  'rate_limited',
  'suspended',
  'error',
] as const;
export type PaymentAttemptOutcome = (typeof paymentAttemptOutcomes)[number];

/** How applying a provider event ended (ProviderEventStatus), WAITING only once its attempts ran out. */
const providerEventStatuses = ['APPLIED', 'IGNORED', 'WAITING', 'CONFLICT', 'FAILED'];

/** The fields of the reconciler's report (ReconcileReport in @payouts/operations): what it repaired. */
const reconcilerRepairs = [
  'requeuedPayments',
  'requeuedExecutions',
  'finalizedBatches',
  'deadLettersAdded',
  'requeuedProviderEvents',
];

/** The reconciler's look-ups of unconfirmed payments at the provider, by what the provider said. */
const confirmationResults = ['confirmed', 'reversed', 'unsettled', 'failed'];

/** Seconds; RISE_TIMEOUT_MS is 15 s by default. */
const providerCallBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30];

export interface WorkerMetrics {
  registry: Registry;
  paymentAttempts: Counter<'outcome'>;
  paidAmountCents: Counter<'currency'>;
  providerCallDuration: Histogram<'provider' | 'operation'>;
  providerErrors: Counter<'provider' | 'operation' | 'error'>;
  providerEventsApplied: Counter<'status'>;
  reconcilerRepairs: Counter<'repair'>;
  confirmationLookups: Counter<'result'>;
}

/** A worker process's metrics, in a registry of their own. Known label values start at 0, so rate() sees the first. */
export function makeWorkerMetrics(): WorkerMetrics {
  const registry = makeRegistry();
  const metrics: WorkerMetrics = {
    registry,
    paymentAttempts: new Counter({
      name: 'payouts_payment_attempts_total',
      help: 'Runs of pay-transaction jobs by outcome; outcome="completed" counts each payment recorded COMPLETED once',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    paidAmountCents: new Counter({
      name: 'payouts_paid_amount_cents_total',
      help: 'Sum of the payments recorded COMPLETED by this process, in cents (exact integers), by currency',
      labelNames: ['currency'],
      registers: [registry],
    }),
    providerCallDuration: new Histogram({
      name: 'payouts_provider_call_duration_seconds',
      help: 'Duration of calls to the payout provider, answered or failed, by provider and operation',
      labelNames: ['provider', 'operation'],
      buckets: providerCallBuckets,
      registers: [registry],
    }),
    providerErrors: new Counter({
      name: 'payouts_provider_errors_total',
      help: 'Provider calls that failed, by provider, operation and error class (ProviderTransientError, ...)',
      labelNames: ['provider', 'operation', 'error'],
      registers: [registry],
    }),
    providerEventsApplied: new Counter({
      name: 'payouts_provider_events_applied_total',
      help: 'Stored provider events (webhooks) whose application ended, by final status',
      labelNames: ['status'],
      registers: [registry],
    }),
    reconcilerRepairs: new Counter({
      name: 'payouts_reconciler_repairs_total',
      help: 'Work the reconciler repaired from Postgres, by kind (the fields of its report)',
      labelNames: ['repair'],
      registers: [registry],
    }),
    confirmationLookups: new Counter({
      name: 'payouts_reconciler_confirmation_lookups_total',
      help: 'Unconfirmed payments the reconciler looked up at the provider, by result',
      labelNames: ['result'],
      registers: [registry],
    }),
  };
  for (const outcome of paymentAttemptOutcomes) metrics.paymentAttempts.inc({ outcome }, 0);
  for (const status of providerEventStatuses) metrics.providerEventsApplied.inc({ status }, 0);
  for (const repair of reconcilerRepairs) metrics.reconcilerRepairs.inc({ repair }, 0);
  for (const result of confirmationResults) metrics.confirmationLookups.inc({ result }, 0);
  return metrics;
}

/**
 * Adds a payment's amount, already in integer cents (parse the decimal string with the money helpers,
 * never through a float). Throws RangeError past 2^53 cents, where a Prometheus sample stops being exact.
 */
export function countPaidAmount(metrics: WorkerMetrics, currency: string, cents: bigint): void {
  if (cents < 0n || cents > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RangeError(`${cents} cents cannot be counted exactly`);
  }
  metrics.paidAmountCents.inc({ currency }, Number(cents));
}
