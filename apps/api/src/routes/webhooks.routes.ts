import { describeWebhookRefusal } from '@payouts/core';
import { receiveProviderWebhook } from '@payouts/operations';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiDeps } from '../api-deps.ts';
import { refuseRepeatedFailures } from '../plugins/auth.ts';
import { HttpError } from '../plugins/error-handler.ts';
import { bodyErrors, errorAnswers } from '../plugins/openapi.ts';
import { riseEventBody, webhookReceivedAnswer } from './webhooks.responses.ts';

export const riseWebhookPath = '/api/webhooks/riseworks';

/** Rise's events are small; anything larger is refused (413) before it is read to the end. */
export const webhookBodyLimit = 256 * 1024;

const signatureFormat = '`t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`';

/**
 * Rise documents both names; the first one given is read. Any value passes here: a bad one is the
 * signature check's 401 (counted against the address), not a 400.
 */
const signatureHeaders = z.looseObject({
  'x-rise-signature': z.string().optional().describe(`The signature: ${signatureFormat}`),
  'rise-signature': z.string().optional().describe('The same, under the other name Rise documents'),
});

/**
 * Webhooks from Rise, authenticated by their signature (no API key). The body is read as text, since
 * the signature covers the bytes as sent: in this plugin only, JSON is not parsed by Fastify (the
 * operation parses it after the check) and other media types are 415.
 */
export async function webhooksRoutes(parent: FastifyInstance, deps: ApiDeps) {
  const app = parent.withTypeProvider<ZodTypeProvider>();
  app.removeAllContentTypeParsers();
  // The route's bodyLimit is the one that counts; the parser's holds for any later route of this plugin.
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: webhookBodyLimit }, (_, body, done) =>
    done(null, body),
  );

  // What the handler made of each request, for the receipts counter once the answer is sent.
  const received = new WeakMap<FastifyRequest, 'accepted' | 'duplicate'>();

  app.post(
    riseWebhookPath,
    {
      bodyLimit: webhookBodyLimit,
      // Per address, whatever Authorization says (it is not read here), in a bucket of its own.
      config: {
        rateLimit: { max: deps.env.WEBHOOK_RATE_LIMIT_PER_MINUTE, keyGenerator: (request) => `ip:${request.ip}` },
      },
      onRequest: refuseRepeatedFailures,
      // Every answer of this route, refusals before the handler included (401, 413, 415, 429).
      onResponse: async (request, reply) => {
        const outcome = reply.statusCode === 200 ? received.get(request) : undefined;
        const status = String(reply.statusCode);
        deps.metrics.webhookReceipts.inc({ provider: 'riseworks', outcome: outcome ?? 'refused', status });
      },
      schema: {
        tags: ['webhooks'],
        summary:
          'Receive a RiseWorks event (payment sent or removed, invite accepted, ...): stored once, applied by a worker',
        description:
          `Authenticated by the \`X-Rise-Signature\` (or \`Rise-Signature\`) header, ${signatureFormat}, over the ` +
          'raw body, with the secret RISE_WEBHOOK_SECRET; its timestamp may be at most ' +
          `${deps.env.RISE_WEBHOOK_TOLERANCE_S} s (RISE_WEBHOOK_TOLERANCE_S) old or ahead. 401 for a missing, ` +
          'malformed, mismatched, stale or future signature, each counted as a failed authentication of the ' +
          'address (AUTH_FAILURES_PER_MINUTE); 400 for a signed body that is not a Rise event; 503 while no ' +
          'webhook secret is configured. The same idempotency_key again answers 200 with `duplicate: true` and ' +
          'changes nothing. Requests are limited per address by WEBHOOK_RATE_LIMIT_PER_MINUTE.',
        security: [],
        headers: signatureHeaders,
        rawBody: riseEventBody,
        response: {
          200: webhookReceivedAnswer,
          ...errorAnswers(...bodyErrors, 503),
        },
      },
    },
    async (request) => {
      const secret = deps.env.RISE_WEBHOOK_SECRET;
      if (!secret) {
        request.log.warn({ ip: request.ip }, 'webhook refused: RISE_WEBHOOK_SECRET is not set');
        throw new HttpError('UNAVAILABLE', 'RiseWorks webhooks are not received: RISE_WEBHOOK_SECRET is not set');
      }
      const receipt = await receiveProviderWebhook(deps, {
        rawBody: typeof request.body === 'string' ? request.body : '',
        signatureHeader: request.headers['x-rise-signature'] || request.headers['rise-signature'],
        secret,
        toleranceSeconds: deps.env.RISE_WEBHOOK_TOLERANCE_S,
      });
      if (receipt.refused) {
        // Never the body or the signature: the reason, the address (and the request id, in every line).
        request.log.warn({ ip: request.ip, refused: receipt.refused, reason: receipt.reason }, 'webhook refused');
        if (receipt.refused === 'UNAUTHORIZED') {
          await request.server.authFailures.recordFailure(request.ip);
          throw new HttpError('UNAUTHORIZED', describeWebhookRefusal(receipt));
        }
        throw new HttpError('VALIDATION_FAILED', describeWebhookRefusal(receipt), receipt.details);
      }
      request.log.info({ eventId: receipt.eventId, duplicate: receipt.duplicate }, 'webhook received');
      received.set(request, receipt.duplicate ? 'duplicate' : 'accepted');
      return { received: true as const, duplicate: receipt.duplicate, eventId: receipt.eventId };
    },
  );
}
