import { type Actor, type ApiKeyPrincipal, authenticateApiKey } from '@payouts/core';
import type { ApiKeyRole, Db } from '@payouts/db';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from './error-handler.ts';

declare module 'fastify' {
  interface FastifyRequest {
    apiKey?: ApiKeyPrincipal;
  }
}

/**
 * The key from `Authorization: Bearer <key>`, or from HTTP Basic with the key as the password
 * (so an operator's browser can log in to Bull Board).
 */
export function readApiKey(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^\s*([A-Za-z]+)\s+(\S+)\s*$/.exec(header);
  if (!match?.[1] || !match[2]) return undefined;
  const [, scheme, value] = match;
  if (scheme.toLowerCase() === 'bearer') return value;
  if (scheme.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 ? decoded.slice(colon + 1) : undefined;
  }
  return undefined;
}

/**
 * 429 for an address past AUTH_FAILURES_PER_MINUTE failed authentications (API keys or webhook
 * signatures), before any key is looked up or any signature computed.
 */
export async function refuseRepeatedFailures(request: FastifyRequest, reply: FastifyReply) {
  const blockedMs = await request.server.authFailures.blockedFor(request.ip);
  if (blockedMs > 0) {
    reply.header('retry-after', Math.ceil(blockedMs / 1000));
    throw new HttpError('RATE_LIMITED', 'too many failed authentications from this address; retry later');
  }
}

/** A preHandler that lets through only valid keys of the given roles; denied attempts are logged, keys never. */
export function requireRole(db: Db, roles: readonly ApiKeyRole[], options: { basicChallenge?: boolean } = {}) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const failures = request.server.authFailures;
    await refuseRepeatedFailures(request, reply);
    const key = readApiKey(request);
    const principal = key ? await authenticateApiKey({ db }, key) : null;
    if (!principal) {
      await failures.recordFailure(request.ip);
      request.log.warn({ url: request.url, ip: request.ip, reason: key ? 'invalid key' : 'no key' }, 'access denied');
      if (options.basicChallenge) reply.header('www-authenticate', 'Basic realm="payouts", charset="UTF-8"');
      throw new HttpError('UNAUTHORIZED', 'a valid API key is required (Authorization: Bearer <key>)');
    }
    if (!roles.includes(principal.role)) {
      request.log.warn({ url: request.url, keyId: principal.id, role: principal.role }, 'access denied by role');
      throw new HttpError('FORBIDDEN', `role ${principal.role} may not do this`);
    }
    request.apiKey = principal;
  };
}

/** The actor written into audit rows for a change made by this request. */
export function actorOf(request: FastifyRequest): Actor {
  const key = request.apiKey;
  return {
    actor: key ? `api-key:${key.name}:${key.id}` : 'anonymous',
    ipAddress: request.ip,
    userAgent: request.headers['user-agent']?.slice(0, 500),
  };
}

/**
 * Who may do what, each set named by what it allows: admin does everything; operator reads, watches the
 * board and handles dead letters; scheduler starts work (and previews it, and follows its jobs).
 */
export const roles = {
  /** Read batches, affiliates, payout accounts, dead letters, schedules and the audit trail. */
  readers: ['admin', 'operator'],
  /** Preview what creating batches now would pay. */
  planPreviewers: ['admin', 'operator', 'scheduler'],
  /** Create or execute batches, pay one affiliate now, sync payout accounts, run the nightly payout now. */
  workStarters: ['admin', 'scheduler'],
  /** Follow a job's state, progress and result. */
  jobWatchers: ['admin', 'operator', 'scheduler'],
  /** Replay or discard a payment that failed for good. */
  deadLetterHandlers: ['admin', 'operator'],
  /** Watch the queues in Bull Board (read-only). */
  boardViewers: ['admin', 'operator'],
  /** Cancel a PENDING or QUEUED batch. */
  batchCancellers: ['admin'],
  /** Create a payout account. */
  accountCreators: ['admin'],
  /** Change a job schedule. */
  scheduleChangers: ['admin'],
} as const satisfies Record<string, readonly ApiKeyRole[]>;
