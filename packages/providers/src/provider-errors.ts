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

/**
 * Nothing was paid and every payment would fail the same way until someone fixes the cause at the provider
 * (balance too low, wrong wallet or team configuration, sign-in refused). Transient for the payment protocol
 * today; `code` says which cause, so the engine can pause paying until a probe shows it is fixed.
 */
export class ProviderSuspendedError extends ProviderTransientError {
  override name = 'ProviderSuspendedError';
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/**
 * The provider holds two or more live payments for one idempotency key: an incident. Never pay this key
 * again; an operator must sort out the extra payment.
 */
export class ProviderDuplicatePaymentError extends ProviderPermanentError {
  override name = 'ProviderDuplicatePaymentError';
  constructor(
    message: string,
    readonly providerTxIds: readonly string[],
  ) {
    super(message);
  }
}
