import type { PaymentProvider } from '../src/payment-provider.ts';
import { ProviderError, ProviderRateLimitedError } from '../src/provider-errors.ts';

/** What one send call did: 'ok:<providerTxId>' or '<error class>/<injected fault>' ('...:<message>' for others). */
export async function sendOutcome(
  provider: PaymentProvider,
  idempotencyKey: string,
  options: { amount?: string; payeeId?: string } = {},
): Promise<string> {
  try {
    const receipt = await provider.sendPayment({
      idempotencyKey,
      payeeId: options.payeeId ?? 'rise_payee',
      amount: options.amount ?? '10.00',
      currency: 'USD',
    });
    return `ok:${receipt.providerTxId}`;
  } catch (error) {
    if (!(error instanceof ProviderError)) throw error;
    const injected = /injected (\w+) for key/.exec(error.message)?.[1];
    const retryAfter = error instanceof ProviderRateLimitedError ? `@${error.retryAfterMs}` : '';
    return injected ? `${error.name}/${injected}${retryAfter}` : `${error.name}:${error.message}`;
  }
}

/** The outcome without the providerTxId: what the fault plan decided. */
export const kindOf = (outcome: string) => (outcome.startsWith('ok:') ? 'ok' : outcome);

/** Runs `run` over the items with at most `limit` at once. */
export async function inParallel<T, R>(items: readonly T[], limit: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await run(items[index] as T);
    }
  });
  await Promise.all(lanes);
  return results;
}
