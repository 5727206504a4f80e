export interface BackoffConfig {
  initialMs: number;
  multiplier: number;
  maxMs: number;
  /** 0..1: each delay is spread by up to this fraction either way, so retries of a batch do not stampede. */
  jitter: number;
}

/** The name pay-transaction jobs give as their backoff type; the worker registers the strategy under it. */
export const paymentBackoffType = 'payment';

/**
 * Delay before retry number `attemptsMade` (1 after the first failure): capped exponential with jitter,
 * and never shorter than the provider's Retry-After when it gave one.
 */
export function paymentBackoffDelay(
  attemptsMade: number,
  config: BackoffConfig,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number {
  const exponential = config.initialMs * config.multiplier ** Math.max(0, attemptsMade - 1);
  const capped = Math.min(exponential, config.maxMs);
  const jittered = capped * (1 + config.jitter * (2 * random() - 1));
  const delay = Math.round(Math.min(Math.max(jittered, 0), config.maxMs));
  return retryAfterMs !== undefined ? Math.max(delay, retryAfterMs) : delay;
}
