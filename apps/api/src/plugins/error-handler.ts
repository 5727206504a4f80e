import { ConflictError, DomainError, NotFoundError } from '@payouts/core';
import { QueueUnavailableError } from '@payouts/queue';
import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { collectKnownRoutes } from './known-routes.ts';

export type ErrorCode =
  | 'VALIDATION_FAILED'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'REQUEST_TIMEOUT'
  | 'CONFLICT'
  | 'PAYLOAD_TOO_LARGE'
  | 'URI_TOO_LONG'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'NO_PAYABLE_AFFILIATES'
  | 'PLAN_CHANGED'
  | 'RATE_LIMITED'
  | 'HEADERS_TOO_LARGE'
  | 'INTERNAL'
  | 'UNAVAILABLE';

export const statusOf: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  REQUEST_TIMEOUT: 408,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  URI_TOO_LONG: 414,
  UNSUPPORTED_MEDIA_TYPE: 415,
  IDEMPOTENCY_KEY_REUSED: 422,
  NO_PAYABLE_AFFILIATES: 422,
  PLAN_CHANGED: 409,
  RATE_LIMITED: 429,
  HEADERS_TOO_LARGE: 431,
  INTERNAL: 500,
  UNAVAILABLE: 503,
};

/** An error the API answers with as it is: code, message and details are safe to show. */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
  get statusCode() {
    return statusOf[this.code];
  }
}

export function errorBody(code: ErrorCode, message: string, details?: unknown) {
  return { error: { code, message, ...(details === undefined ? {} : { details }) } };
}

/** Fastify's 4xx errors whose status has a code of its own; any other 4xx is VALIDATION_FAILED. */
const clientErrorCodes: Partial<Record<number, ErrorCode>> = {
  405: 'METHOD_NOT_ALLOWED',
  408: 'REQUEST_TIMEOUT',
  413: 'PAYLOAD_TOO_LARGE',
  414: 'URI_TOO_LONG',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  431: 'HEADERS_TOO_LARGE',
};

/** Seconds a client refused while Redis is away is told to wait: about one reconnection attempt. */
const queueRetryAfterSeconds = 5;

/**
 * One error handler for the whole app: every error becomes `{ error: { code, message, details } }`; a known
 * path asked with another method is 405 with `Allow`, an unknown one 404. Call before any route is added.
 */
export function registerErrorHandler(app: FastifyInstance) {
  const methodsOf = collectKnownRoutes(app);
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      const details = error.validation.map((issue) => ({
        in: error.validationContext,
        path: issue.instancePath,
        message: issue.message,
      }));
      return reply.status(400).send(errorBody('VALIDATION_FAILED', `invalid ${error.validationContext}`, details));
    }
    if (error instanceof HttpError) {
      return reply.status(error.statusCode).send(errorBody(error.code, error.message, error.details));
    }
    if (error instanceof NotFoundError) return reply.status(404).send(errorBody('NOT_FOUND', error.message));
    if (error instanceof ConflictError) {
      return reply.status(409).send(errorBody('CONFLICT', error.message, error.details));
    }
    if (error instanceof QueueUnavailableError) {
      reply.header('retry-after', queueRetryAfterSeconds);
      return reply.status(503).send(errorBody('UNAVAILABLE', `${error.message}; retry in ${queueRetryAfterSeconds} s`));
    }
    if (error instanceof DomainError) {
      return reply.status(statusOf[error.code]).send(errorBody(error.code, error.message, error.details));
    }
    // Fastify's own client errors (bad JSON, body too large, unsupported media type).
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      const code = clientErrorCodes[error.statusCode] ?? 'VALIDATION_FAILED';
      return reply.status(error.statusCode).send(errorBody(code, error.message));
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply.status(500).send(errorBody('INTERNAL', 'internal error; see the server log'));
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    const allowed = methodsOf(path);
    if (allowed.length > 0 && !allowed.includes(request.method)) {
      reply.header('allow', allowed.join(', '));
      return reply
        .status(405)
        .send(
          errorBody('METHOD_NOT_ALLOWED', `${request.method} is not allowed on ${path}; use ${allowed.join(', ')}`),
        );
    }
    return reply.status(404).send(errorBody('NOT_FOUND', `no route ${request.method} ${path}`));
  });
}
