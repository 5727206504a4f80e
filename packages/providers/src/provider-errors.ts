// The class of a provider error decides what the payment protocol does next; nobody parses messages.

export class ProviderError extends Error {
  override name = 'ProviderError';
}

/** Nothing was paid and a later attempt may succeed (5xx, connection refused before sending). */
export class ProviderTransientError extends ProviderError {
  override name = 'ProviderTransientError';
}

/** The provider asked us to slow down; nothing was paid. */
export class ProviderRateLimitedError extends ProviderTransientError {
  override name = 'ProviderRateLimitedError';
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
  }
}

/** Nothing was paid and retrying cannot help (invalid payee, KYC revoked, amount refused). */
export class ProviderPermanentError extends ProviderError {
  override name = 'ProviderPermanentError';
}

/** The request may or may not have been carried out (timeout, lost response): look the key up first. */
export class ProviderOutcomeUnknownError extends ProviderError {
  override name = 'ProviderOutcomeUnknownError';
}
