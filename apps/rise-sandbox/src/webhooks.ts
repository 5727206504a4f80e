import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { WebhookSettings } from './config.ts';
import type { PaymentRow } from './ledger.ts';

// Signed webhooks, Rise -> receiver. Each event is one JSON body, built once; every attempt signs it anew
// (`t` is the time of that attempt) and carries the same idempotency_key.

/** Minutes after the first attempt's failure, then the second's, then the third's: 4 attempts in all. */
export const retryDelaysMs = [60_000, 120_000, 300_000] as const;
export const deliveryTimeoutMs = 10_000;
export const signatureHeader = 'X-Rise-Signature';

export const defaultWebhookSettings: WebhookSettings = { enabled: true, duplicates: false, loseFirstAnswer: false };

export interface WebhookOptions {
  /** Where events are POSTed; none = no webhooks (nothing sent, nothing listed). */
  url?: string;
  secret: string;
  /** Multiplies the retry delays (tests use e.g. 0.001: minutes become milliseconds). */
  delayScale: number;
  /** Milliseconds since the epoch. */
  now: () => number;
  /** The settings at start, and what a reset restores; the rest from defaultWebhookSettings. */
  settings?: Partial<WebhookSettings>;
}

export interface WebhookDelivery {
  event_id: string;
  event_type: string;
  idempotency_key: string;
  /** 1; 2 for the second delivery of an event sent with `duplicates`. */
  copy: number;
  attempts: number;
  /** HTTP status of the last answer; null when there was none (refused, reset, timed out, lost). */
  last_status: number | null;
  last_error: string | null;
  delivered: boolean;
  given_up: boolean;
  /** Not sent (webhooks disabled when it was emitted or when its retry fell due), and never will be. */
  suppressed: boolean;
  /** Answers the receiver gave that were dropped (`loseFirstAnswer`): 0 or 1. */
  answers_lost: number;
}

export interface Webhooks {
  /** Queues an event for delivery in the background; a no-op when no URL is configured. */
  emit(eventType: string, payloadKey: string, payload: Record<string, unknown>): void;
  list(): WebhookDelivery[];
  settings(): WebhookSettings;
  /** Changes the given settings; answers all of them. */
  configure(change: Partial<WebhookSettings>): WebhookSettings;
  /** Cancels pending retries, forgets past deliveries and restores the initial settings. */
  reset(): void;
  /** Cancels pending retries, aborts attempts in flight and waits for them. */
  close(): Promise<void>;
}

interface Pending {
  delivery: WebhookDelivery;
  body: string;
  /** Drop the receiver's first answer (loseFirstAnswer when the event was emitted). */
  loseFirstAnswer: boolean;
  timer?: NodeJS.Timeout;
}

/** `t=<unix s>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`. */
export function signWebhook(secret: string, body: string, timestampSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
  return `t=${timestampSeconds},v1=${mac}`;
}

export function makeWebhooks(options: WebhookOptions): Webhooks {
  const { url, secret, delayScale, now } = options;
  const initialSettings = applySettings(defaultWebhookSettings, options.settings ?? {});
  let settings = { ...initialSettings };
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
    if (!url) return;
    if (!settings.enabled) {
      delivery.suppressed = true;
      delivery.last_error = 'webhooks disabled';
      return;
    }
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
      if (event.loseFirstAnswer && delivery.answers_lost === 0) {
        // The receiver did its work; the sandbox acts as if the answer never came.
        delivery.answers_lost = 1;
        delivery.last_status = null;
        delivery.last_error = `answer lost (loseFirstAnswer): the receiver said HTTP ${response.status}`;
      } else {
        delivery.last_status = response.status;
        delivery.last_error = response.ok ? null : `HTTP ${response.status}`;
        delivery.delivered = response.ok;
      }
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
      if (closed || !url) return;
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
      const body = JSON.stringify(envelope);
      // Disabled: listed once, as suppressed, and never sent.
      const copies = settings.enabled && settings.duplicates ? 2 : 1;
      for (let copy = 1; copy <= copies; copy++) {
        const event: Pending = {
          body,
          loseFirstAnswer: settings.loseFirstAnswer,
          delivery: {
            event_id: idempotencyKey,
            event_type: eventType,
            idempotency_key: idempotencyKey,
            copy,
            attempts: 0,
            last_status: null,
            last_error: settings.enabled ? null : 'webhooks disabled',
            delivered: false,
            given_up: false,
            suppressed: !settings.enabled,
            answers_lost: 0,
          },
        };
        events.push(event);
        // A timer, not an inline call: the API answer never waits on a delivery.
        if (settings.enabled) schedule(event, 0);
      }
    },
    list: () => events.map((e) => ({ ...e.delivery })),
    settings: () => ({ ...settings }),
    configure(change) {
      settings = applySettings(settings, change);
      return { ...settings };
    },
    reset() {
      cancelAll();
      events = [];
      closing = new AbortController();
      settings = { ...initialSettings };
    },
    async close() {
      closed = true;
      cancelAll();
      await Promise.allSettled([...inFlight]);
    },
  };
}

/** The settings with the given ones changed; an undefined value leaves its setting as it is. */
function applySettings(settings: WebhookSettings, change: Partial<WebhookSettings>): WebhookSettings {
  const next = { ...settings };
  for (const name of Object.keys(defaultWebhookSettings) as (keyof WebhookSettings)[]) {
    const value = change[name];
    if (value !== undefined) next[name] = value;
  }
  return next;
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
