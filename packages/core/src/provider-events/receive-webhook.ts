import { riseEventEnvelope, riseEventPaymentId, type SignatureRefusal, verifyRiseSignature } from '@payouts/providers';
import type { CoreDeps } from '../deps.ts';

export interface RiseWebhookInput {
  rawBody: string;
  /** The X-Rise-Signature (or Rise-Signature) header as received. */
  signatureHeader: string | undefined;
  secret: string;
  toleranceSeconds: number;
}

export type WebhookRefusal =
  | { refused: 'UNAUTHORIZED'; reason: SignatureRefusal }
  | { refused: 'VALIDATION_FAILED'; reason: 'NOT_JSON' | 'NOT_AN_EVENT' | 'UNSTORABLE_TEXT'; details?: unknown };

export type WebhookReceipt = { refused?: undefined; eventId: string; duplicate: boolean } | WebhookRefusal;

const signatureMessages: Record<SignatureRefusal, string> = {
  MISSING: 'no X-Rise-Signature header',
  MALFORMED: 'the signature header is not t=<unix seconds>,v1=<hex HMAC-SHA256>',
  MISMATCH: 'the signature does not match the body',
  STALE: 'the signature timestamp is older than the tolerance',
  FUTURE: 'the signature timestamp is further ahead than the tolerance',
};

export function describeWebhookRefusal(refusal: WebhookRefusal): string {
  if (refusal.refused === 'UNAUTHORIZED') return signatureMessages[refusal.reason];
  if (refusal.reason === 'NOT_JSON') return 'the body is not JSON';
  if (refusal.reason === 'UNSTORABLE_TEXT') return 'the body holds a NUL character or a lone UTF-16 surrogate';
  return 'the body is not a Rise event envelope';
}

/**
 * Checks a webhook from Rise and stores it once per idempotency key. The signature is checked over the
 * raw bytes before anything is parsed; nothing refused is stored. A repeated delivery (same key) changes
 * nothing and says so. Storing is all: applying the event is a job's work.
 */
export async function receiveRiseWebhook(deps: CoreDeps, input: RiseWebhookInput): Promise<WebhookReceipt> {
  const nowSeconds = Math.floor((deps.now?.() ?? new Date()).getTime() / 1000);
  const check = verifyRiseSignature({
    rawBody: input.rawBody,
    header: input.signatureHeader,
    secret: input.secret,
    nowSeconds,
    toleranceSeconds: input.toleranceSeconds,
  });
  if (!check.ok) return { refused: 'UNAUTHORIZED', reason: check.reason };

  let body: unknown;
  try {
    body = JSON.parse(input.rawBody);
  } catch {
    return { refused: 'VALIDATION_FAILED', reason: 'NOT_JSON' };
  }
  // Postgres' jsonb holds neither \u0000 nor a lone surrogate: refuse them here rather than fail on insert.
  if (holdsUnstorableText(body)) return { refused: 'VALIDATION_FAILED', reason: 'UNSTORABLE_TEXT' };
  const envelope = riseEventEnvelope.safeParse(body);
  if (!envelope.success) {
    const details = envelope.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
    return { refused: 'VALIDATION_FAILED', reason: 'NOT_AN_EVENT', details };
  }
  const event = envelope.data;
  const rows = await deps.db.$queryRaw<{ id: string }[]>`
    INSERT INTO "RiseWorksWebhookEvent"
      ("id", "providerEventId", "eventType", "payload", "signature", "eventCreatedAt", "providerPaymentId")
    VALUES (gen_random_uuid()::text, ${event.idempotency_key}, ${event.event_type}, ${input.rawBody}::jsonb,
            ${input.signatureHeader ?? null}, to_timestamp(${event.created}::double precision),
            ${riseEventPaymentId(event)})
    ON CONFLICT ("providerEventId") DO NOTHING
    RETURNING "id"`;
  const inserted = rows[0];
  if (inserted) return { eventId: inserted.id, duplicate: false };
  const existing = await deps.db.riseWorksWebhookEvent.findUnique({
    where: { providerEventId: event.idempotency_key },
    select: { id: true },
  });
  if (!existing) throw new Error(`webhook event ${event.idempotency_key} neither inserted nor found`);
  return { eventId: existing.id, duplicate: true };
}

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether any string or key holds NUL or is not well-formed UTF-16. Iterative: deep nesting cannot overflow. */
function holdsUnstorableText(value: unknown): boolean {
  const bad = (text: string) => text.includes('\u0000') || loneSurrogate.test(text);
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next === 'string') {
      if (bad(next)) return true;
    } else if (typeof next === 'object' && next !== null) {
      for (const [key, child] of Object.entries(next)) {
        if (bad(key)) return true;
        pending.push(child);
      }
    }
  }
  return false;
}
