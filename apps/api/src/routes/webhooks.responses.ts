import { z } from 'zod';

// The body webhooks.routes.ts documents (it reads the body itself) and its success answer.

/**
 * A Rise event as RISE.md describes it (the envelope @payouts/providers checks, repeated here for the
 * document only: the route hands the raw text to the operation, which checks the signature, then this).
 * The payload sits under a key named by the event type (`payment`, `invite`, ...).
 */
export const riseEventBody = z
  .looseObject({
    object: z.literal('event').optional(),
    created: z.number().int().min(0).max(253402300799).describe('When Rise created the event, in unix seconds'),
    event_type: z
      .string()
      .regex(/^[a-z0-9_.-]{1,100}$/, 'event types are lower case words joined by . _ -')
      .describe('payment.sent, payment.removed, invite.accepted, ...; unknown types are stored and acknowledged'),
    event_version: z.string().max(20).optional(),
    idempotency_key: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]{1,200}$/, 'letters, digits, _ . : and - only')
      .describe('One event, however often it is delivered: a repeat is acknowledged and changes nothing'),
  })
  .describe('A Rise event envelope, sent as JSON exactly as signed');

export const webhookReceivedAnswer = z
  .object({
    received: z.literal(true),
    duplicate: z.boolean().describe('true: this event (idempotency_key) was already stored; nothing changed'),
    eventId: z.string().describe('The stored event (RiseWorksWebhookEvent.id); a worker applies it'),
  })
  .describe('The event is stored (or already was): Rise may stop retrying it');
