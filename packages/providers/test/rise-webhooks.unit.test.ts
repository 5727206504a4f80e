import { describe, expect, it } from 'vitest';
import { ProviderEventUnreadableError } from '../src/provider-events.ts';
import { readRiseEvent, signRiseWebhook, verifyRiseSignature } from '../src/rise/rise-webhooks.ts';

const secret = 'whsec-unit';
const body = '{"event_type":"payment.sent","idempotency_key":"k1"}';
const now = 1_800_000_000;
const check = (header: string | undefined, rawBody = body, nowSeconds = now) =>
  verifyRiseSignature({ rawBody, header, secret, nowSeconds, toleranceSeconds: 600 });

describe('Rise webhook signatures', () => {
  it('accepts a signature over the raw body within the tolerance, either way', () => {
    expect(check(signRiseWebhook(secret, body, now))).toEqual({ ok: true, timestamp: now });
    expect(check(signRiseWebhook(secret, body, now - 600)).ok).toBe(true);
    expect(check(signRiseWebhook(secret, body, now + 600)).ok).toBe(true);
  });

  it('refuses stale and future timestamps, even correctly signed', () => {
    expect(check(signRiseWebhook(secret, body, now - 601))).toEqual({ ok: false, reason: 'STALE' });
    expect(check(signRiseWebhook(secret, body, now + 601))).toEqual({ ok: false, reason: 'FUTURE' });
  });

  it('refuses another secret, another body, and a timestamp moved after signing', () => {
    expect(check(signRiseWebhook('other', body, now))).toEqual({ ok: false, reason: 'MISMATCH' });
    expect(check(signRiseWebhook(secret, body, now), `${body} `)).toEqual({ ok: false, reason: 'MISMATCH' });
    const moved = signRiseWebhook(secret, body, now).replace(`t=${now}`, `t=${now + 1}`);
    expect(check(moved)).toEqual({ ok: false, reason: 'MISMATCH' });
  });

  it('accepts one matching v1 among several (a secret being rotated)', () => {
    const good = signRiseWebhook(secret, body, now);
    const stale = signRiseWebhook('old-secret', body, now).split(',')[1];
    expect(check(`${good},${stale}`).ok).toBe(true);
    expect(check(`t=${now},${stale},${good.split(',')[1]}`).ok).toBe(true);
  });

  it('tells a missing header from a malformed one', () => {
    expect(check(undefined)).toEqual({ ok: false, reason: 'MISSING' });
    expect(check('')).toEqual({ ok: false, reason: 'MISSING' });
    for (const header of [
      't=1',
      'v1=abc',
      `t=x,v1=${'a'.repeat(64)}`,
      `t=${now},v1=${'g'.repeat(64)}`,
      'é',
      'x'.repeat(2000),
    ]) {
      expect(check(header), header.slice(0, 20)).toEqual({ ok: false, reason: 'MALFORMED' });
    }
  });
});

describe('reading Rise events', () => {
  it('reads payment.sent in our terms: provider id, our key from the invoice text, cents as a decimal string', () => {
    const event = readRiseEvent({
      event_type: 'payment.sent',
      payment: { nanoid: 'pa-1', state: 'complete', amount_cents: 1234, invoice_description: 'May [pay_tx-1]' },
    });
    expect(event).toEqual({
      kind: 'payment.sent',
      providerTxId: 'pa-1',
      idempotencyKey: 'pay_tx-1',
      amount: '12.34',
      providerState: 'complete',
    });
  });

  it('reads payment.removed with its reason, invite.accepted, and keeps other types as other', () => {
    expect(
      readRiseEvent({
        event_type: 'payment.removed',
        payment: { nanoid: 'pa-2', state: 'removed', reason: 'bounced' },
      }),
    ).toMatchObject({ kind: 'payment.removed', providerTxId: 'pa-2', idempotencyKey: null, reason: 'bounced' });
    expect(
      readRiseEvent({ event_type: 'invite.accepted', invite: { nanoid: 'in-1', user_nanoid: 'us-1', email: 'a@b.c' } }),
    ).toEqual({ kind: 'payee.joined', inviteId: 'in-1', payeeId: 'us-1', email: 'a@b.c' });
    expect(readRiseEvent({ event_type: 'deposit.received', deposit: {} })).toEqual({
      kind: 'other',
      eventType: 'deposit.received',
    });
  });

  it('refuses a payment event without a readable payment, and a fractional amount', () => {
    expect(() => readRiseEvent({ event_type: 'payment.sent' })).toThrow(ProviderEventUnreadableError);
    expect(() =>
      readRiseEvent({ event_type: 'payment.sent', payment: { nanoid: 'pa-3', amount_cents: 12.5 } }),
    ).toThrow(ProviderEventUnreadableError);
  });
});
