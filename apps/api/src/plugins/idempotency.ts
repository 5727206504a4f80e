import { createHash } from 'node:crypto';
import { beginIdempotentRequest, completeIdempotentRequest, releaseIdempotentRequest } from '@payouts/core';
import type { Db } from '@payouts/db';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from './error-handler.ts';

declare module 'fastify' {
  interface FastifyRequest {
    idempotencyRecordId?: string;
  }
}

const keyPattern = /^[\x21-\x7e]{1,200}$/;

function requestHash(request: FastifyRequest): string {
  const shape = { params: request.params ?? null, query: request.query ?? null, body: request.body ?? null };
  return createHash('sha256').update(JSON.stringify(shape)).digest('hex');
}

/**
 * `Idempotency-Key` for POSTs that start work (after auth): the first request with a key runs and its
 * answer is kept when it succeeded; the same key and request get that answer again (header `idempotent-replayed: true`);
 * the same key with another request is 422 IDEMPOTENCY_KEY_REUSED; while the first is still running, 409.
 */
export function idempotency(db: Db) {
  const preHandler = async (request: FastifyRequest, reply: FastifyReply) => {
    const header = request.headers['idempotency-key'];
    if (header === undefined) return;
    if (typeof header !== 'string' || !keyPattern.test(header)) {
      throw new HttpError('VALIDATION_FAILED', 'Idempotency-Key must be 1-200 visible ASCII characters');
    }
    const apiKeyId = request.apiKey?.id;
    if (!apiKeyId) throw new Error('idempotency needs an authenticated request');
    const begun = await beginIdempotentRequest(
      { db },
      {
        apiKeyId,
        key: header,
        method: request.method,
        path: request.routeOptions.url ?? request.url,
        requestHash: requestHash(request),
      },
    );
    if (begun.state === 'NEW') {
      request.idempotencyRecordId = begun.recordId;
      return;
    }
    if (begun.state === 'MISMATCH') {
      throw new HttpError('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used for another request');
    }
    if (begun.state === 'IN_PROGRESS') {
      throw new HttpError('CONFLICT', 'a request with this Idempotency-Key is still being answered; retry later');
    }
    reply.header('idempotent-replayed', 'true');
    return reply.status(begun.statusCode).send(begun.response);
  };

  const onSend = async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const recordId = request.idempotencyRecordId;
    if (!recordId) return payload;
    // Only an answer that did something is kept: a refused request (4xx) or a failure (5xx) leaves no
    // row behind, and the same key may be used again once the request is fixed.
    if (reply.statusCode >= 400) {
      await releaseIdempotentRequest({ db }, recordId);
    } else {
      await completeIdempotentRequest({ db }, recordId, reply.statusCode, parseJson(payload));
    }
    return payload;
  };

  return { preHandler, onSend };
}

function parseJson(payload: unknown) {
  try {
    return typeof payload === 'string' && payload.length > 0 ? JSON.parse(payload) : {};
  } catch {
    return {};
  }
}
