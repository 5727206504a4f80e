import fastifySwagger from '@fastify/swagger';
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
        'CONFLICT',
        'IDEMPOTENCY_KEY_REUSED',
        'NO_PAYABLE_AFFILIATES',
        'RATE_LIMITED',
        'INTERNAL',
        'UNAVAILABLE',
      ]),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .describe('Error');

export const jobAccepted = z.object({ jobId: z.string() }).describe('The job that carries the work out');

/**
 * A route's answers for the document: its successes, and the errors every authenticated route may give.
 * Success bodies not yet described field by field are documented as free-form JSON.
 */
export function answers<S extends Record<number, z.ZodType>>(success: S) {
  return { ...success, ...errorResponses };
}

/** Error answers every authenticated route may give. */
export const errorResponses = {
  400: errorSchema,
  401: errorSchema,
  403: errorSchema,
  404: errorSchema,
  409: errorSchema,
  422: errorSchema,
  429: errorSchema,
  500: errorSchema,
} as const;

/** Registers the OpenAPI generator; call before any route so that every route is in the document. */
export async function openApiSpec(app: FastifyInstance) {
  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'Payouts admin API',
        description:
          'Pays affiliates their approved commissions in batches, exactly once. Amounts are decimal strings.',
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
    transform: jsonSchemaTransform,
  });
}

/** Serves the document at /docs/json and its UI at /docs, to any valid key (Basic works in a browser). */
export async function openApiUi(app: FastifyInstance, deps: ApiDeps) {
  app.addHook('onRequest', requireRole(deps.db, ['admin', 'operator', 'scheduler'], { basicChallenge: true }));
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
}
