import type { WorkerMetrics } from '@payouts/metrics';
import {
  type PaymentProvider,
  ProviderDuplicatePaymentError,
  ProviderError,
  ProviderOutcomeUnknownError,
  ProviderPermanentError,
  ProviderRateLimitedError,
  ProviderSuspendedError,
  ProviderTransientError,
} from '@payouts/providers';

/** Most specific first: a ProviderSuspendedError is also a ProviderTransientError. */
const providerErrorClasses = [
  ProviderDuplicatePaymentError,
  ProviderSuspendedError,
  ProviderRateLimitedError,
  ProviderTransientError,
  ProviderOutcomeUnknownError,
  ProviderPermanentError,
  ProviderError,
];

/** The error label: the provider error class, or `other` for anything else (a bug, not the provider's word). */
export function providerErrorClass(error: unknown): string {
  return providerErrorClasses.find((errorClass) => error instanceof errorClass)?.name ?? 'other';
}

/**
 * The provider, with each call timed (payouts_provider_call_duration_seconds) and each failure counted by
 * its error class (payouts_provider_errors_total), labelled by operation: the method's name.
 */
export function withProviderMetrics(provider: PaymentProvider, metrics: WorkerMetrics): PaymentProvider {
  const timed =
    <A extends unknown[], R>(operation: string, call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const labels = { provider: provider.name, operation };
      const stopTimer = metrics.providerCallDuration.startTimer(labels);
      try {
        return await call(...args);
      } catch (error) {
        metrics.providerErrors.inc({ ...labels, error: providerErrorClass(error) });
        throw error;
      } finally {
        stopTimer();
      }
    };
  return {
    name: provider.name,
    sendPayment: timed('sendPayment', (request) => provider.sendPayment(request)),
    getPaymentStatus: timed('getPaymentStatus', (lookup) => provider.getPaymentStatus(lookup)),
    getPaymentConfirmation: timed('getPaymentConfirmation', (lookup) => provider.getPaymentConfirmation(lookup)),
    getPayeeStatus: timed('getPayeeStatus', (payeeId) => provider.getPayeeStatus(payeeId)),
  };
}
