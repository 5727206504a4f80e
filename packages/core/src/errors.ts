// Typed domain errors: the API maps them to status codes, the worker to retry or give up.

export class DomainError extends Error {
  override name = 'DomainError';
  constructor(
    readonly code: 'NOT_FOUND' | 'CONFLICT' | 'VALIDATION_FAILED' | 'NO_PAYABLE_AFFILIATES' | 'PLAN_CHANGED',
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export class NotFoundError extends DomainError {
  override name = 'NotFoundError';
  constructor(what: string, id: string) {
    super('NOT_FOUND', `${what} ${id} not found`);
  }
}

export class ConflictError extends DomainError {
  override name = 'ConflictError';
  constructor(message: string, details?: unknown) {
    super('CONFLICT', message, details);
  }
}

/** A payment attempt failed in a way a later attempt may fix; `retryAfterMs` when the provider said so. */
export class PaymentRetryableError extends Error {
  override name = 'PaymentRetryableError';
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/**
 * The provider refuses every payment until someone fixes a cause on its side (balance too low, wrong
 * wallet or team settings, sign-in refused). Nothing was paid; pause paying instead of spending the
 * attempts of every payment one by one.
 */
export class PaymentSuspendedError extends Error {
  override name = 'PaymentSuspendedError';
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/**
 * The provider asked us to slow down (429) before doing anything: nothing was paid and the payment did
 * not fail. The whole queue waits `retryAfterMs` (BullMQ's rate limit) and the payment goes back to
 * waiting without spending an attempt.
 */
export class PaymentRateLimitedError extends Error {
  override name = 'PaymentRateLimitedError';
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
  }
}

/** A payment can never succeed as it is (the transaction is FAILED): do not retry. */
export class PaymentPermanentError extends Error {
  override name = 'PaymentPermanentError';
}

/** Anything thrown, as an Error, once, at the edge. */
export function coerceError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  return new Error(typeof thrown === 'string' ? thrown : JSON.stringify(thrown));
}
