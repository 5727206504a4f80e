import { describe, expect, it } from 'vitest';
import {
  ProviderOutcomeUnknownError,
  ProviderPermanentError,
  ProviderRateLimitedError,
  ProviderSuspendedError,
  ProviderTransientError,
} from '../src/provider-errors.ts';
import {
  type CallPhase,
  DEFAULT_RETRY_AFTER_MS,
  parseRetryAfterMs,
  RiseCallError,
  type RiseFailure,
  toProviderError,
} from '../src/rise/rise-http.ts';

const http = (status: number, code?: string, retryAfterMs?: number): RiseFailure => ({
  kind: 'http',
  status,
  code,
  retryAfterMs,
});
const map = (failure: RiseFailure, phase: CallPhase) =>
  toProviderError(new RiseCallError('PUT /v2/payments', failure), phase);

describe('Retry-After', () => {
  const now = Date.parse('2026-05-01T12:00:00Z');
  it.each([
    ['0', 0],
    ['7', 7000],
    [' 120 ', 120_000],
    ['Fri, 01 May 2026 12:00:30 GMT', 30_000],
    ['Fri, 01 May 2026 11:59:00 GMT', 0],
  ])('%j -> %i ms', (header, ms) => {
    expect(parseRetryAfterMs(header, now)).toBe(ms);
  });
  it.each([null, undefined, '', '-1', '1.5', 'soon', '12abc'])('%j is unusable', (header) => {
    expect(parseRetryAfterMs(header, now)).toBeUndefined();
  });
});

describe('Rise failure -> provider error class', () => {
  const phases: CallPhase[] = ['auth', 'read', 'execute'];
  const cases: [string, RiseFailure, Record<CallPhase, unknown>][] = [
    [
      '5xx',
      http(502),
      { auth: ProviderTransientError, read: ProviderTransientError, execute: ProviderOutcomeUnknownError },
    ],
    [
      'timeout',
      { kind: 'timeout' },
      { auth: ProviderTransientError, read: ProviderTransientError, execute: ProviderOutcomeUnknownError },
    ],
    [
      'dropped connection',
      { kind: 'network', requestNotSent: false },
      { auth: ProviderTransientError, read: ProviderTransientError, execute: ProviderOutcomeUnknownError },
    ],
    [
      'refused connection',
      { kind: 'network', requestNotSent: true },
      { auth: ProviderTransientError, read: ProviderTransientError, execute: ProviderTransientError },
    ],
    [
      'unreadable answer',
      { kind: 'malformed' },
      { auth: ProviderTransientError, read: ProviderTransientError, execute: ProviderOutcomeUnknownError },
    ],
    [
      'INVALID_RECIPIENT',
      http(400, 'INVALID_RECIPIENT'),
      { auth: ProviderSuspendedError, read: ProviderPermanentError, execute: ProviderPermanentError },
    ],
    [
      'INSUFFICIENT_BALANCE',
      http(400, 'INSUFFICIENT_BALANCE'),
      { auth: ProviderSuspendedError, read: ProviderSuspendedError, execute: ProviderSuspendedError },
    ],
    [
      'INVALID_SIGNATURE',
      http(401, 'INVALID_SIGNATURE'),
      { auth: ProviderSuspendedError, read: ProviderSuspendedError, execute: ProviderSuspendedError },
    ],
    [
      'TEAM_ROLE_SETTINGS_NOT_FOUND',
      http(404, 'TEAM_ROLE_SETTINGS_NOT_FOUND'),
      { auth: ProviderSuspendedError, read: ProviderSuspendedError, execute: ProviderSuspendedError },
    ],
    ['403', http(403), { auth: ProviderSuspendedError, read: ProviderSuspendedError, execute: ProviderSuspendedError }],
    [
      '401 after re-auth',
      http(401, 'UNAUTHORIZED'),
      { auth: ProviderSuspendedError, read: ProviderSuspendedError, execute: ProviderSuspendedError },
    ],
    [
      'EXPIRED_TYPED_DATA left over',
      http(400, 'EXPIRED_TYPED_DATA'),
      { auth: ProviderSuspendedError, read: ProviderTransientError, execute: ProviderTransientError },
    ],
    [
      'other 4xx',
      http(404, 'NOT_FOUND'),
      { auth: ProviderSuspendedError, read: ProviderPermanentError, execute: ProviderPermanentError },
    ],
  ];
  for (const [what, failure, expected] of cases) {
    for (const phase of phases) {
      it(`${what} while ${phase} -> ${(expected[phase] as { name: string }).name}`, () => {
        const error = map(failure, phase);
        expect(error.constructor).toBe(expected[phase]);
      });
    }
  }

  it('a 429 is rate limited in every phase, with Retry-After or the default', () => {
    for (const phase of phases) {
      const limited = map(http(429, undefined, 2500), phase);
      expect(limited).toBeInstanceOf(ProviderRateLimitedError);
      expect((limited as ProviderRateLimitedError).retryAfterMs).toBe(2500);
      expect((map(http(429), phase) as ProviderRateLimitedError).retryAfterMs).toBe(DEFAULT_RETRY_AFTER_MS);
    }
  });

  it('suspended errors are transient for the protocol and carry the code', () => {
    const error = map(http(400, 'INSUFFICIENT_BALANCE'), 'execute') as ProviderSuspendedError;
    expect(error).toBeInstanceOf(ProviderTransientError);
    expect(error.code).toBe('INSUFFICIENT_BALANCE');
    expect((map(http(403), 'auth') as ProviderSuspendedError).code).toBe('AUTH_REFUSED');
    expect(error.message).toBe('Rise PUT /v2/payments: HTTP 400 INSUFFICIENT_BALANCE');
  });
});
