import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { PaymentRow } from './ledger.ts';

// Signed webhooks, Rise -> receiver. Each event is one JSON body, built once; every attempt signs it anew
// (`t` is the time of that attempt) and carries the same idempotency_key.

/** Minutes after the first attempt's failure, then the second's, then the third's: 4 attempts in all. */
export const retryDelaysMs = [60_000, 120_000, 300_000] as const;
export const deliveryTimeoutMs = 10_000;
export const signatureHeader = 'X-Rise-Signature';

export interface WebhookOptions {
  url: string;
  secret: string;
  /** Multiplies the retry delays (tests use e.g. 0.001: minutes become milliseconds). */
  delayScale: number;
  /** Milliseconds since the epoch. */
  now: () => number;
}

export interface WebhookDelivery {
  event_id: string;
  event_type: string;
  idempotency_key: string;
  attempts: number;
  /** HTTP status of the last answer; null when there was none (refused, reset, timed out). */
  last_status: number | null;
  last_error: string | null;
  delivered: boolean;
  given_up: boolean;
}

export interface Webhooks {
  /** Queues an event for delivery in the background; a no-op when no URL is configured. */
  emit(eventType: string, payloadKey: string, payload: Record<string, unknown>): void;
  list(): WebhookDelivery[];
  /** Cancels pending retries and forgets past deliveries. */
  clear(): void;
  /** Cancels pending retries, aborts attempts in flight and waits for them. */
  close(): Promise<void>;
}

interface Pending {
  delivery: WebhookDelivery;
  body: string;
  timer?: NodeJS.Timeout;
}

/** `t=<unix s>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`. */
export function signWebhook(secret: string, body: string, timestampSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
  return `t=${timestampSeconds},v1=${mac}`;
}

export function makeWebhooks(options: WebhookOptions | undefined): Webhooks {
  if (!options) {
    return { emit: () => {}, list: () => [], clear: () => {}, close: async () => {} };
  }
  const { url, secret, delayScale, now } = options;
  let events: Pending[] = [];
  const inFlight = new Set<Promise<void>>();
  let closing = new AbortController();
  let closed = false;

  const schedule = (event: Pending, delayMs: number) => {
    event.timer = setTimeout(() => {
      event.timer = undefined;
      const run = attempt(event).finally(() => inFlight.delete(run));
      inFlight.add(run);
    }, delayMs);
  };

  async function attempt(event: Pending): Promise<void> {
    const { delivery } = event;
    delivery.attempts += 1;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [signatureHeader]: signWebhook(secret, event.body, Math.floor(now() / 1000)),
        },
        body: event.body,
        signal: AbortSignal.any([AbortSignal.timeout(deliveryTimeoutMs), closing.signal]),
      });
      // The receiver's answer body means nothing to Rise; read it so the connection is freed.
      await response.arrayBuffer().catch(() => undefined);
      delivery.last_status = response.status;
      delivery.last_error = response.ok ? null : `HTTP ${response.status}`;
      delivery.delivered = response.ok;
    } catch (error) {
      delivery.last_status = null;
      delivery.last_error = error instanceof Error ? describe(error) : String(error);
    }
    if (delivery.delivered || closed || !events.includes(event)) return;
    const delay = retryDelaysMs[delivery.attempts - 1];
    if (delay === undefined) {
      delivery.given_up = true;
      return;
    }
    schedule(event, Math.round(delay * delayScale));
  }

  const cancelAll = () => {
    for (const event of events) clearTimeout(event.timer);
    closing.abort();
  };

  return {
    emit(eventType, payloadKey, payload) {
      if (closed) return;
      const idempotencyKey = randomUUID();
      const envelope = {
        object: 'event',
        created: Math.floor(now() / 1000),
        request_id: `req-${randomBytes(12).toString('hex')}`,
        event_type: eventType,
        event_version: '1.0',
        idempotency_key: idempotencyKey,
        [payloadKey]: payload,
      };
      const event: Pending = {
        body: JSON.stringify(envelope),
        delivery: {
          event_id: idempotencyKey,
          event_type: eventType,
          idempotency_key: idempotencyKey,
          attempts: 0,
          last_status: null,
          last_error: null,
          delivered: false,
          given_up: false,
        },
      };
      events.push(event);
      // A timer, not an inline call: the API answer never waits on a delivery.
      schedule(event, 0);
    },
    list: () => events.map((e) => ({ ...e.delivery })),
    clear() {
      cancelAll();
      events = [];
      closing = new AbortController();
    },
    async close() {
      closed = true;
      cancelAll();
      await Promise.allSettled([...inFlight]);
    },
  };
}

function describe(error: Error): string {
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message}: ${cause.message}` : error.message;
}

/** The `payment` payload of `payment.sent` and `payment.removed` [ours]. */
export function paymentPayload(row: PaymentRow, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    nanoid: row.nanoid,
    payment_group_nanoid: row.group_nanoid,
    state: row.state,
    amount_cents: row.amount_cents,
    invoice_description: row.invoice_description,
    ...extra,
  };
}
