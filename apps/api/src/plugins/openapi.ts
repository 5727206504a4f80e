import fastifySwagger, { type SwaggerTransform, type SwaggerTransformObject } from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiDeps } from '../api-deps.ts';
import { requireRole } from './auth.ts';

/** The one error shape of every answer that is not a success (DESIGN.md, API conventions). */
export const errorSchema = z
  .object({
    error: z.object({
      code: z.enum([
        'VALIDATION_FAILED',
        'UNAUTHORIZED',
        'FORBIDDEN',
        'NOT_FOUND',
        'METHOD_NOT_ALLOWED',
        'REQUEST_TIMEOUT',
        'CONFLICT',
        'PAYLOAD_TOO_LARGE',
        'URI_TOO_LONG',
        'UNSUPPORTED_MEDIA_TYPE',
        'IDEMPOTENCY_KEY_REUSED',
        'NO_PAYABLE_AFFILIATES',
        'PLAN_CHANGED',
        'RATE_LIMITED',
        'HEADERS_TOO_LARGE',
        'INTERNAL',
        'UNAVAILABLE',
      ]),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .describe('Error');

export const jobAccepted = z
  .object({ jobId: z.string().describe('GET /api/disbursement/jobs/{jobId} reports its state, progress and result') })
  .describe('The job that carries the work out');

/**
 * Errors every API route may answer: bad input, no valid key, a request target (or path parameter)
 * too long, too many requests, a fault of ours.
 */
const everyRouteErrors = [400, 401, 414, 429, 500] as const;

/**
 * Errors only some routes give: 403 when a role may not call it, 404 when it looks a resource up,
 * 409 when it can conflict with the state (or with a request of the same Idempotency-Key still running),
 * 413 and 415 when it reads a body (every method but GET), 422 for Idempotency-Key reuse and
 * NO_PAYABLE_AFFILIATES, 503 when it needs configuration the server lacks (the webhook secret).
 */
export type RouteErrorStatus = 403 | 404 | 409 | 413 | 415 | 422 | 503;

/** A body too large, or of a media type the API does not read: any route whose method carries a body. */
export const bodyErrors = [413, 415] as const;

type ErrorAnswers<E extends number> = { [status in E]: typeof errorSchema };

/**
 * The error answers of a route for its `response` schema: the ones every route may give, and the
 * ones this route gives itself, e.g. `response: { 200: batchAnswer, ...errorAnswers(403, 404) }`. Success
 * bodies have their schemas in routes/*.responses.ts.
 */
export function errorAnswers<E extends RouteErrorStatus>(
  ...statuses: E[]
): ErrorAnswers<(typeof everyRouteErrors)[number] | E> {
  const responses: Record<number, typeof errorSchema> = {};
  for (const status of [...everyRouteErrors, ...statuses]) responses[status] = errorSchema;
  return responses as ErrorAnswers<(typeof everyRouteErrors)[number] | E>;
}

/**
 * The `Idempotency-Key` header of POSTs that start work (checked again by the idempotency plugin).
 * Other headers pass through untouched: the object is not strict and keeps what it does not name.
 */
export const idempotencyKeyHeaders = z.looseObject({
  'idempotency-key': z
    .string()
    .regex(/^[\x21-\x7e]{1,200}$/, '1-200 visible ASCII characters')
    .optional()
    .describe(
      'The same key and request answer the first answer again, doing nothing twice; the same key with another request is 422 IDEMPOTENCY_KEY_REUSED',
    ),
});

/** Set on an operation by the route transform, read and removed by the document transform. */
const optionalBodyMark = 'x-payouts-optional-body';

declare module 'fastify' {
  interface FastifySchema {
    /**
     * The body of a route that reads it as raw text (a signed webhook): documented as this schema, but
     * not validated by Fastify, since the route checks the raw bytes before anything parses them.
     */
    rawBody?: z.ZodType;
  }
}

/**
 * Fastify validates an absent body as `null`: a body schema that accepts it makes the body optional.
 * @fastify/swagger marks every request body required, so this is remembered here and applied below.
 * A `rawBody` is documented as the body.
 */
const transformRoute: SwaggerTransform = (input) => {
  const { rawBody, ...schema } = input.schema ?? {};
  const documented = rawBody ? { ...input, schema: { ...schema, body: rawBody } } : input;
  const transformed = jsonSchemaTransform(documented as Parameters<typeof jsonSchemaTransform>[0]);
  const body = input.schema?.body;
  if (body instanceof z.ZodType && body.safeParse(null).success) {
    return { ...transformed, schema: { ...transformed.schema, [optionalBodyMark]: true } };
  }
  return transformed;
};

const httpMethods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** Applies the marks of transformRoute to the finished document. */
const transformDocument: SwaggerTransformObject = (input) => {
  if (!('openapiObject' in input)) return input.swaggerObject;
  const document = input.openapiObject;
  for (const pathItem of Object.values(document.paths ?? {})) {
    for (const method of httpMethods) {
      const operation = pathItem?.[method] as (Record<string, unknown> & { requestBody?: object }) | undefined;
      if (!operation || !(optionalBodyMark in operation)) continue;
      delete operation[optionalBodyMark];
      if (operation.requestBody) operation.requestBody = { ...operation.requestBody, required: false };
    }
  }
  return document;
};

/** Registers the OpenAPI generator; call before any route so that every route is in the document. */
export async function openApiSpec(app: FastifyInstance) {
  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'Payouts admin API',
        description:
          'Pays affiliates their approved commissions in batches, exactly once. Amounts are decimal strings. ' +
          "Each operation lists the statuses it answers; before any route, the server may also answer 405 (a path's " +
          'other method), 408 (a request too slow to arrive), 431 (headers too large) or 503 (overloaded: ' +
          'UNAVAILABLE with Retry-After, nothing done), in the same error shape.',
        version: '0.1.0',
      },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API key: Authorization: Bearer <key>' },
          basicAuth: { type: 'http', scheme: 'basic', description: 'Any user name, the API key as password' },
        },
      },
      security: [{ bearerAuth: [] }],
    },
    transform: transformRoute,
    transformObject: transformDocument,
  });
}

/** Serves the document at /docs/json and its UI at /docs, to any valid key (Basic works in a browser). */
export async function openApiUi(app: FastifyInstance, deps: ApiDeps) {
  app.addHook('onRequest', requireRole(deps.db, ['admin', 'operator', 'scheduler'], { basicChallenge: true }));
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
}
