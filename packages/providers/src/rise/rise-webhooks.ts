// Rise -> us: verifying a webhook's signature and reading its envelope and payload (RISE.md, Webhooks).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { type ProviderEvent, ProviderEventUnreadableError } from '../provider-events.ts';
import { parseInvoiceDescription, webhookPaymentPayload, webhookSignedText } from './rise-contract.ts';
import { centsToUsd } from './usd-cents.ts';

/** Rise documents both names; the first one present is read. Lower case, as Node gives headers. */
export const riseSignatureHeaders = ['x-rise-signature', 'rise-signature'] as const;

export type SignatureRefusal = 'MISSING' | 'MALFORMED' | 'MISMATCH' | 'STALE' | 'FUTURE';

export type SignatureCheck = { ok: true; timestamp: number } | { ok: false; reason: SignatureRefusal };

const headerPattern = /^[\x21-\x7e]{1,1000}$/;
const hexMac = /^[0-9a-f]{64}$/;

/**
 * Checks `t=<unix s>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>` against the raw body, in constant
 * time, and that t is within `toleranceSeconds` of now either way. Several v1 entries may be sent (a
 * secret being rotated); one match is enough.
 */
export function verifyRiseSignature(input: {
  rawBody: string;
  header: string | undefined;
  secret: string;
  nowSeconds: number;
  toleranceSeconds: number;
}): SignatureCheck {
  const header = input.header?.replaceAll(' ', '');
  if (!header) return { ok: false, reason: 'MISSING' };
  if (!headerPattern.test(header)) return { ok: false, reason: 'MALFORMED' };
  let timestamp: number | undefined;
  const macs: Buffer[] = [];
  for (const part of header.split(',')) {
    const [name, value = ''] = part.split('=', 2);
    if (name === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (name === 'v1' && hexMac.test(value)) macs.push(Buffer.from(value, 'hex'));
  }
  if (timestamp === undefined || macs.length === 0) return { ok: false, reason: 'MALFORMED' };
  const expected = createHmac('sha256', input.secret).update(webhookSignedText(timestamp, input.rawBody)).digest();
  // Every entry is compared, match or not, so the time taken does not say which one matched.
  let matched = false;
  for (const mac of macs) matched = timingSafeEqual(mac, expected) || matched;
  if (!matched) return { ok: false, reason: 'MISMATCH' };
  if (timestamp < input.nowSeconds - input.toleranceSeconds) return { ok: false, reason: 'STALE' };
  if (timestamp > input.nowSeconds + input.toleranceSeconds) return { ok: false, reason: 'FUTURE' };
  return { ok: true, timestamp };
}

/** Signs a body as Rise does: for tests, benchmarks and tools that send events to our endpoint. */
export function signRiseWebhook(secret: string, rawBody: string, timestampSeconds: number): string {
  const mac = createHmac('sha256', secret).update(webhookSignedText(timestampSeconds, rawBody)).digest('hex');
  return `t=${timestampSeconds},v1=${mac}`;
}

const text = z.string().min(1).max(500);

/** The envelope every Rise event shares; the payload sits under a key named by the event type. */
export const riseEventEnvelope = z.looseObject({
  object: z.literal('event').optional(),
  created: z.number().int().min(0).max(253402300799),
  event_type: z.string().regex(/^[a-z0-9_.-]{1,100}$/, 'event types are lower case words joined by . _ -'),
  event_version: z.string().max(20).optional(),
  idempotency_key: z.string().regex(/^[A-Za-z0-9_.:-]{1,200}$/, 'letters, digits, _ . : and - only'),
});

export type RiseEventEnvelope = z.infer<typeof riseEventEnvelope>;

const invitePayload = z.looseObject({
  nanoid: text.nullish(),
  user_nanoid: text,
  email: z.string().max(320),
});

/** The provider payment id an envelope names, if any: stored beside the event to find it by payment. */
export function riseEventPaymentId(envelope: Record<string, unknown>): string | null {
  const payment = envelope.payment;
  if (typeof payment !== 'object' || payment === null) return null;
  const nanoid = (payment as Record<string, unknown>).nanoid;
  return typeof nanoid === 'string' && nanoid.length <= 500 ? nanoid : null;
}

/**
 * Reads a stored Rise event in our terms. A known payment or invite event without what it needs throws
 * ProviderEventUnreadableError; unknown types are `other`.
 */
export function readRiseEvent(envelope: Record<string, unknown>): ProviderEvent {
  const eventType = String(envelope.event_type ?? '');
  switch (eventType) {
    case 'payment.sent':
    case 'payment.removed': {
      const parsed = webhookPaymentPayload.safeParse(envelope.payment);
      if (!parsed.success) throw new ProviderEventUnreadableError(`${eventType} without a readable payment`);
      const payment = parsed.data;
      const common = {
        providerTxId: payment.nanoid,
        idempotencyKey: parseInvoiceDescription(payment.invoice_description) ?? null,
        amount: payment.amount_cents === undefined ? null : centsToUsd(payment.amount_cents),
      };
      if (eventType === 'payment.sent') {
        return { kind: 'payment.sent', ...common, providerState: payment.state ?? 'complete' };
      }
      return {
        kind: 'payment.removed',
        ...common,
        providerState: payment.state ?? 'removed',
        reason: payment.reason ?? null,
      };
    }
    case 'invite.accepted': {
      const parsed = invitePayload.safeParse(envelope.invite);
      if (!parsed.success) throw new ProviderEventUnreadableError('invite.accepted without a readable invite');
      return {
        kind: 'payee.joined',
        inviteId: parsed.data.nanoid ?? null,
        payeeId: parsed.data.user_nanoid,
        email: parsed.data.email,
      };
    }
    default:
      return { kind: 'other', eventType };
  }
}
