// One HTTP call to Rise over Node's fetch, with a per-call timeout, the `{success, data}` envelope, and the
// mapping from a failed call to the provider error class the payment protocol acts on.
import {
  type ProviderError,
  ProviderOutcomeUnknownError,
  ProviderPermanentError,
  ProviderRateLimitedError,
  ProviderSuspendedError,
  ProviderTransientError,
} from '../provider-errors.ts';
import { providerWideCodes, riseCodes } from './rise-contract.ts';

export interface RiseHttpOptions {
  baseUrl: string;
  timeoutMs: number;
  /** Clock for Retry-After dates; Date.now by default. */
  now?: () => number;
}

export interface RiseRequest {
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  token?: string;
}

/** How a call failed, with nothing of the request in it (no body, no signature, no token). */
export type RiseFailure =
  | { kind: 'http'; status: number; code: string | undefined; retryAfterMs: number | undefined }
  | { kind: 'timeout' }
  /** The connection failed; `requestNotSent` when it was refused before any byte of the request left. */
  | { kind: 'network'; requestNotSent: boolean }
  | { kind: 'malformed' };

export class RiseCallError extends Error {
  override name = 'RiseCallError';
  constructor(
    readonly call: string,
    readonly failure: RiseFailure,
  ) {
    super(`Rise ${call}: ${describeFailure(failure)}`);
  }
}

export function describeFailure(failure: RiseFailure): string {
  switch (failure.kind) {
    case 'http':
      return `HTTP ${failure.status}${failure.code ? ` ${failure.code}` : ''}`;
    case 'timeout':
      return 'timed out';
    case 'network':
      return failure.requestNotSent ? 'connection refused' : 'connection dropped';
    case 'malformed':
      return 'answer is not the expected JSON envelope';
  }
}

/** Sends one request and returns the envelope's `data`; throws RiseCallError on anything else. */
export async function riseRequest(options: RiseHttpOptions, request: RiseRequest): Promise<unknown> {
  const call = `${request.method} ${request.path}`;
  const url = new URL(request.path, options.baseUrl);
  for (const [name, value] of Object.entries(request.query ?? {})) url.searchParams.set(name, value);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (request.body !== undefined) headers['content-type'] = 'application/json';
  if (request.token) headers.authorization = `Bearer ${request.token}`;

  let status: number;
  let retryAfter: string | null;
  let text: string;
  try {
    const response = await fetch(url, {
      method: request.method,
      headers,
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    status = response.status;
    retryAfter = response.headers.get('retry-after');
    text = await response.text();
  } catch (error) {
    throw new RiseCallError(call, failureOfThrown(error));
  }

  const envelope = parseEnvelope(text);
  if (status >= 200 && status < 300 && envelope?.success === true) return envelope.data;
  if (status >= 200 && status < 300) throw new RiseCallError(call, { kind: 'malformed' });
  throw new RiseCallError(call, {
    kind: 'http',
    status,
    code: codeOf(envelope?.data),
    retryAfterMs: parseRetryAfterMs(retryAfter, (options.now ?? Date.now)()),
  });
}

function parseEnvelope(text: string): { success: boolean; data: unknown } | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && typeof (value as { success?: unknown }).success === 'boolean') {
      return value as { success: boolean; data: unknown };
    }
  } catch {
    // not JSON: a proxy's error page, a cut-off body
  }
  return undefined;
}

/** Rise's `data` carries a CODE or a sentence; only a CODE is kept (a sentence might echo input). */
function codeOf(data: unknown): string | undefined {
  return typeof data === 'string' && /^[A-Z][A-Z0-9_]{2,63}$/.test(data) ? data : undefined;
}

const notSentCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

function failureOfThrown(error: unknown): RiseFailure {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return { kind: 'timeout' };
  }
  const cause = error instanceof Error ? (error.cause as { code?: unknown; errors?: { code?: unknown }[] }) : undefined;
  const codes = [cause?.code, ...(cause?.errors ?? []).map((inner) => inner?.code)];
  return { kind: 'network', requestNotSent: codes.some((code) => typeof code === 'string' && notSentCodes.has(code)) };
}

/** Retry-After as delay-seconds or an HTTP date, in ms from `nowMs`; undefined when absent or unreadable. */
export function parseRetryAfterMs(header: string | null | undefined, nowMs: number): number | undefined {
  const value = header?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  if (!/[A-Za-z]/.test(value)) return undefined;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/** What to wait after a 429 that gave no usable Retry-After. */
export const DEFAULT_RETRY_AFTER_MS = 1000;

/**
 * Where a call was in the payment flow decides what a failure means:
 * - `auth`: signing in; a refusal is provider-wide.
 * - `read`: a look-up or a prepare; nothing can have been paid.
 * - `execute`: the signed PUT; once it may have reached Rise, a lost answer is an unknown outcome.
 */
export type CallPhase = 'auth' | 'read' | 'execute';

export function toProviderError(error: RiseCallError, phase: CallPhase): ProviderError {
  const { failure } = error;
  const message = error.message;
  switch (failure.kind) {
    case 'timeout':
    case 'malformed':
      return phase === 'execute' ? new ProviderOutcomeUnknownError(message) : new ProviderTransientError(message);
    case 'network':
      return phase === 'execute' && !failure.requestNotSent
        ? new ProviderOutcomeUnknownError(message)
        : new ProviderTransientError(message);
    case 'http':
      return httpFailureToProviderError(message, failure, phase);
  }
}

function httpFailureToProviderError(
  message: string,
  failure: Extract<RiseFailure, { kind: 'http' }>,
  phase: CallPhase,
): ProviderError {
  const { status, code } = failure;
  // A 429 is refused at the door: nothing was carried out, even for the PUT.
  if (status === 429) return new ProviderRateLimitedError(message, failure.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS);
  if (code !== undefined && providerWideCodes.has(code)) return new ProviderSuspendedError(message, code);
  if (status >= 500) {
    return phase === 'execute' ? new ProviderOutcomeUnknownError(message) : new ProviderTransientError(message);
  }
  // Sign-in refused (bad wallet, unknown RiseID), 403 anywhere, or a 401 that survived a fresh sign-in.
  if (phase === 'auth' || status === 401 || status === 403) {
    return new ProviderSuspendedError(message, riseCodes.authRefused);
  }
  if (code === riseCodes.invalidRecipient) return new ProviderPermanentError(message);
  // Still expired after preparing again several times: the clocks disagree; nothing was paid.
  if (code === riseCodes.expiredTypedData) return new ProviderTransientError(message);
  // Any other 4xx is an explicit refusal of this request: nothing was paid and repeating it cannot help.
  return new ProviderPermanentError(message);
}
