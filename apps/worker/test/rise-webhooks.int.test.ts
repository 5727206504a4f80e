import { randomUUID } from 'node:crypto';
import { Prisma } from '@payouts/db';
import { signRiseWebhook } from '@payouts/providers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from './support/engine-harness.ts';
import {
  expectBatchSettled,
  expectLedgerMatchesCompleted,
  insertRisePayees,
  keyOfDescription,
} from './support/rise-ledger.ts';
import {
  payEveryoneOverApi,
  startWebhookStack,
  type WebhookDelivery,
  type WebhookStack,
} from './support/webhook-stack.ts';

// Rise's word after a payment, end to end: the sandbox's signed webhooks reach the API process, which
// stores each event once; the worker process applies it (confirmation, reversal). Without webhooks the
// reconciler asks Rise instead. Waits are bounds, never timing assertions.

/** The +1, +2, +5 minute retry schedule becomes 60, 120, 300 ms. */
const fastRetries = { RISE_SANDBOX_WEBHOOK_DELAY_SCALE: '0.001' };

async function confirmedCount(stack: WebhookStack, batchId: string): Promise<number> {
  return stack.ctx.db.disbursementTransaction.count({ where: { batchId, confirmedAt: { not: null } } });
}

/** Every transaction of the batch COMPLETED and confirmed by Rise (state complete, with a time). */
async function expectAllConfirmed(stack: WebhookStack, batchId: string, paymentCount: number) {
  const transactions = await stack.ctx.db.disbursementTransaction.findMany({ where: { batchId } });
  expect(transactions).toHaveLength(paymentCount);
  for (const t of transactions) {
    expect(t, t.id).toMatchObject({ status: 'COMPLETED', providerState: 'complete', confirmedAt: expect.any(Date) });
  }
  return transactions;
}

/** Who wrote each payment.confirmed audit row, one list entry per row, by transaction. */
async function confirmationsOf(stack: WebhookStack, batchId: string): Promise<Map<string, string[]>> {
  const rows = await stack.ctx.db.disbursementAuditLog.findMany({
    where: { batchId, action: 'payment.confirmed' },
    select: { transactionId: true, actor: true },
  });
  const byTransaction = new Map<string, string[]>();
  for (const row of rows) {
    const id = row.transactionId ?? '';
    byTransaction.set(id, [...(byTransaction.get(id) ?? []), row.actor ?? '']);
  }
  return byTransaction;
}

const allSettled = (list: WebhookDelivery[]) => list.every((d) => d.delivered || d.given_up || d.suppressed);

describe('duplicate webhooks: every event delivered twice, the first answer to each delivery lost', () => {
  let stack: WebhookStack;
  beforeAll(async () => {
    stack = await startWebhookStack({ sandboxEnv: fastRetries });
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  it('stores one event per idempotency key, applies it once, and confirms every payment', {
    timeout: 180_000,
  }, async () => {
    await stack.sandbox.control('POST', '/webhooks/settings', { duplicates: true, loseFirstAnswer: true });
    // Two payments lose Rise's answer (held 2.5 s, then dropped): their events arrive while they are
    // still in flight here, and wait until the look-up has settled them.
    await stack.sandbox.addFaults({ operation: 'execute', kind: 'timeoutAfterPay', count: 2, delayMs: 2500 });
    await insertRisePayees(stack.ctx.db, stack.sandbox, 6, ['40.00', '12.34']);
    const { batchId, paymentCount } = await payEveryoneOverApi(stack);
    expect(paymentCount).toBe(12);
    await expectBatchSettled(stack.producer, batchId);
    expect(await stack.sandbox.pendingFaults()).toEqual([]);

    await waitUntil(async () => (await confirmedCount(stack, batchId)) === paymentCount, 'confirmations', 120);
    // Every delivery has had its say: two per event, each answered twice (the first answer lost).
    await waitUntil(async () => allSettled(await stack.deliveries()), 'webhook deliveries', 60);
    const deliveries = await stack.deliveries();
    const keys = [...new Set(deliveries.map((d) => d.idempotency_key))];
    expect(keys).toHaveLength(paymentCount);
    expect(deliveries).toHaveLength(2 * paymentCount);
    for (const d of deliveries) {
      expect(d).toMatchObject({ event_type: 'payment.sent', delivered: true, attempts: 2, answers_lost: 1 });
    }
    expect(deliveries.reduce((sum, d) => sum + d.attempts, 0)).toBe(4 * paymentCount);

    const transactions = await expectAllConfirmed(stack, batchId, paymentCount);
    // One stored event per idempotency key, though the API answered four deliveries of each.
    const events = await stack.ctx.db.riseWorksWebhookEvent.findMany();
    expect(events.map((e) => e.providerEventId).sort()).toEqual([...keys].sort());
    expect(events.map((e) => e.status)).toEqual(events.map(() => 'APPLIED'));
    expect(events.map((e) => e.transactionId).sort()).toEqual(transactions.map((t) => t.id).sort());
    // The events of the two payments whose answer was lost were tried while those were in flight, and waited.
    const unanswered = await stack.ctx.db.disbursementAuditLog.findMany({
      where: { batchId, action: 'payment.outcome_unknown' },
      select: { transactionId: true },
      distinct: ['transactionId'],
    });
    expect(unanswered).toHaveLength(2);
    for (const { transactionId } of unanswered) {
      const event = events.find((e) => e.transactionId === transactionId);
      expect(event?.attempts, `event of ${transactionId}`).toBeGreaterThan(1);
    }
    // Each applied once: exactly one confirmation per transaction, by the webhook.
    const confirmations = await confirmationsOf(stack, batchId);
    expect([...confirmations.keys()].sort()).toEqual(transactions.map((t) => t.id).sort());
    for (const [id, actors] of confirmations) expect(actors, id).toEqual(['provider:riseworks']);

    await expectLedgerMatchesCompleted(stack.ctx.db, stack.sandbox);
  });
});

describe('webhooks switched off: the polling fallback', () => {
  let stack: WebhookStack;
  beforeAll(async () => {
    stack = await startWebhookStack({
      // The sandbox starts with webhooks off (its env); the reconciler looks up what stays unconfirmed.
      sandboxEnv: { ...fastRetries, RISE_SANDBOX_WEBHOOKS_ENABLED: 'false' },
      workerEnv: { PROVIDER_CONFIRM_AFTER_MS: '500', RECONCILE_EVERY_MS: '1000' },
    });
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  it('the reconciler asks Rise and confirms every payment no webhook confirmed', { timeout: 180_000 }, async () => {
    await insertRisePayees(stack.ctx.db, stack.sandbox, 4, ['40.00', '12.34']);
    const { batchId, paymentCount } = await payEveryoneOverApi(stack);
    expect(paymentCount).toBe(8);
    await expectBatchSettled(stack.producer, batchId);

    await waitUntil(async () => (await confirmedCount(stack, batchId)) === paymentCount, 'confirmations', 120);
    const transactions = await expectAllConfirmed(stack, batchId, paymentCount);
    const confirmations = await confirmationsOf(stack, batchId);
    expect([...confirmations.keys()].sort()).toEqual(transactions.map((t) => t.id).sort());
    for (const [id, actors] of confirmations) expect(actors, id).toEqual(['system:reconciler']);

    // Rise would have sent one payment.sent per payment; the sandbox sent none, and the API stored none.
    const deliveries = await stack.deliveries();
    expect(deliveries).toHaveLength(paymentCount);
    for (const d of deliveries) expect(d).toMatchObject({ event_type: 'payment.sent', suppressed: true, attempts: 0 });
    expect(await stack.ctx.db.riseWorksWebhookEvent.count()).toBe(0);

    await expectLedgerMatchesCompleted(stack.ctx.db, stack.sandbox);
  });
});

describe('a payment Rise removes', () => {
  let stack: WebhookStack;
  beforeAll(async () => {
    stack = await startWebhookStack({ sandboxEnv: fastRetries });
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  it('is reversed by the webhook, its commission paid once more by the next batch', { timeout: 240_000 }, async () => {
    const { db } = stack.ctx;
    // The removed commission alone reaches the minimum payout (50.00): payable again once released.
    await insertRisePayees(db, stack.sandbox, 3, ['60.00', '12.34']);
    const first = await payEveryoneOverApi(stack);
    expect(first.paymentCount).toBe(6);
    await expectBatchSettled(stack.producer, first.batchId);
    await waitUntil(async () => (await confirmedCount(stack, first.batchId)) === 6, 'confirmations', 120);

    const removed = await db.disbursementTransaction.findFirstOrThrow({
      where: { batchId: first.batchId, amount: new Prisma.Decimal('60.00') },
      orderBy: { id: 'asc' },
    });
    const paidBefore = await db.affiliateProfile.findUniqueOrThrow({ where: { id: removed.affiliateProfileId } });
    await stack.sandbox.control('POST', `/payments/${removed.providerTxId}/remove`, { reason: 'compliance' });

    await waitUntil(
      async () =>
        (await db.disbursementTransaction.findUniqueOrThrow({ where: { id: removed.id } })).status === 'REVERSED',
      'the reversal',
      120,
    );
    const reversed = await db.disbursementTransaction.findUniqueOrThrow({ where: { id: removed.id } });
    expect(reversed).toMatchObject({ status: 'REVERSED', providerState: 'removed', reversedAt: expect.any(Date) });
    expect((await db.commission.findUniqueOrThrow({ where: { id: removed.commissionId } })).status).toBe('APPROVED');
    const afterReversal = await db.affiliateProfile.findUniqueOrThrow({ where: { id: removed.affiliateProfileId } });
    expect(afterReversal.paidCommissions.toFixed(2)).toBe(paidBefore.paidCommissions.minus('60.00').toFixed(2));
    const reversalAudit = await db.disbursementAuditLog.findMany({
      where: { transactionId: removed.id, action: { in: ['payment.reversed', 'commission.reversed'] } },
      select: { action: true, actor: true, fromStatus: true, toStatus: true },
      orderBy: { action: 'asc' },
    });
    expect(reversalAudit).toEqual([
      { action: 'commission.reversed', actor: 'provider:riseworks', fromStatus: 'PAID', toStatus: 'APPROVED' },
      { action: 'payment.reversed', actor: 'provider:riseworks', fromStatus: 'COMPLETED', toStatus: 'REVERSED' },
    ]);
    const removal = await db.riseWorksWebhookEvent.findFirstOrThrow({ where: { eventType: 'payment.removed' } });
    expect(removal).toMatchObject({ status: 'APPLIED', transactionId: removed.id });
    // The sandbox's live total no longer counts it, and Postgres agrees.
    expect(await expectLedgerMatchesCompleted(db, stack.sandbox)).toBe(3n * (6000n + 1234n) - 6000n);

    // The commission is payable again: the next batch over the API pays it, and only it.
    const second = await payEveryoneOverApi(stack);
    expect(second.paymentCount).toBe(1);
    await expectBatchSettled(stack.producer, second.batchId);
    const [again] = await db.disbursementTransaction.findMany({ where: { batchId: second.batchId } });
    expect(again).toMatchObject({ commissionId: removed.commissionId, status: 'COMPLETED' });
    expect(again?.idempotencyKey).not.toBe(removed.idempotencyKey);
    await waitUntil(async () => (await confirmedCount(stack, second.batchId)) === 1, 'the confirmation', 120);
    expect((await db.commission.findUniqueOrThrow({ where: { id: removed.commissionId } })).status).toBe('PAID');
    const repaid = await db.affiliateProfile.findUniqueOrThrow({ where: { id: removed.affiliateProfileId } });
    expect(repaid.paidCommissions.toFixed(2)).toBe(paidBefore.paidCommissions.toFixed(2));

    // Rise holds exactly one live payment per commission, the removed one beside them.
    const ledger = await stack.sandbox.ledger();
    const commissionOfKey = new Map(
      (await db.disbursementTransaction.findMany({ select: { idempotencyKey: true, commissionId: true } })).map((t) => [
        t.idempotencyKey,
        t.commissionId,
      ]),
    );
    const live = ledger.payments.filter((p) => p.state !== 'removed');
    const liveCommissions = live.map((p) => commissionOfKey.get(keyOfDescription(p.invoice_description) ?? ''));
    const commissions = await db.commission.findMany({ select: { id: true } });
    expect([...liveCommissions].sort()).toEqual(commissions.map((c) => c.id).sort());
    expect(ledger.payments.filter((p) => p.state === 'removed').map((p) => p.nanoid)).toEqual([removed.providerTxId]);

    // I1, I2, I5, I6 with the sandbox's live total; I3 and I4: nothing in flight, both batches settled.
    expect(await expectLedgerMatchesCompleted(db, stack.sandbox)).toBe(3n * (6000n + 1234n));
    expect(
      await db.disbursementTransaction.count({ where: { status: { in: ['PENDING', 'PROCESSING', 'UNKNOWN'] } } }),
    ).toBe(0);
    const batches = await db.paymentBatch.findMany({
      select: { id: true, status: true },
      orderBy: { createdAt: 'asc' },
    });
    expect(batches).toEqual([
      { id: first.batchId, status: 'COMPLETED' },
      { id: second.batchId, status: 'COMPLETED' },
    ]);
  });
});

describe('events out of order, sent to the webhook route by hand', () => {
  let stack: WebhookStack;
  beforeAll(async () => {
    // The sandbox sends nothing; the test delivers Rise's events itself, in the order it chooses.
    stack = await startWebhookStack({ sandboxEnv: { RISE_SANDBOX_WEBHOOKS_ENABLED: 'false' } });
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  /** POSTs one event as Rise would: signed over the raw body with the API's secret. */
  async function post(eventType: string, payment: Record<string, unknown>, idempotencyKey = randomUUID()) {
    const body = JSON.stringify({
      object: 'event',
      created: Math.floor(Date.now() / 1000),
      request_id: `req-${randomUUID()}`,
      event_type: eventType,
      event_version: '1.0',
      idempotency_key: idempotencyKey,
      payment,
    });
    const secret = stack.sandbox.engineEnv.RISE_WEBHOOK_SECRET ?? '';
    const response = await fetch(`${stack.api.url}/api/webhooks/riseworks`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-rise-signature': signRiseWebhook(secret, body, Math.floor(Date.now() / 1000)),
      },
      body,
    });
    expect(response.status).toBe(200);
    return (await response.json()) as { eventId: string; duplicate: boolean };
  }

  it('a removal that arrives before its confirmation reverses the payment, and the confirmation changes nothing', {
    timeout: 240_000,
  }, async () => {
    const { db } = stack.ctx;
    await insertRisePayees(db, stack.sandbox, 2, ['60.00']);
    const first = await payEveryoneOverApi(stack);
    await expectBatchSettled(stack.producer, first.batchId);
    const [removed, kept] = await db.disbursementTransaction.findMany({
      where: { batchId: first.batchId },
      orderBy: { id: 'asc' },
    });
    if (!removed || !kept) throw new Error('two payments expected');
    await stack.sandbox.control('POST', `/payments/${removed.providerTxId}/remove`, { reason: 'returned' });
    const rows = new Map((await stack.sandbox.ledger()).payments.map((p) => [p.nanoid, p]));
    const wire = (nanoid: string | null) => {
      const p = rows.get(nanoid ?? '');
      if (!p) throw new Error(`no sandbox payment ${nanoid}`);
      return {
        nanoid: p.nanoid,
        state: p.state,
        amount_cents: p.amount_cents,
        invoice_description: p.invoice_description,
      };
    };

    // Rise's order was sent, then removed; they arrive the other way round, and the confirmation of the
    // other payment twice under one key (a retried delivery).
    const removal = await post('payment.removed', { ...wire(removed.providerTxId), reason: 'returned' });
    const lateSent = await post('payment.sent', { ...wire(removed.providerTxId), state: 'complete' });
    const key = randomUUID();
    const keptSent = await post('payment.sent', wire(kept.providerTxId), key);
    expect(await post('payment.sent', wire(kept.providerTxId), key)).toEqual({ ...keptSent, duplicate: true });

    const statusOf = async (id: string) =>
      (await db.riseWorksWebhookEvent.findUniqueOrThrow({ where: { id }, select: { status: true } })).status;
    await waitUntil(
      async () =>
        (await Promise.all([removal, lateSent, keptSent].map((e) => statusOf(e.eventId)))).every(
          (s) => s !== 'RECEIVED' && s !== 'WAITING',
        ),
      'all three events applied',
      60,
    );
    expect(await Promise.all([removal, lateSent, keptSent].map((e) => statusOf(e.eventId)))).toEqual([
      'APPLIED',
      'IGNORED',
      'APPLIED',
    ]);
    expect(await db.riseWorksWebhookEvent.count()).toBe(3);
    expect(await db.disbursementTransaction.findUniqueOrThrow({ where: { id: removed.id } })).toMatchObject({
      status: 'REVERSED',
      confirmedAt: null,
    });
    expect(await db.disbursementTransaction.findUniqueOrThrow({ where: { id: kept.id } })).toMatchObject({
      status: 'COMPLETED',
      confirmedAt: expect.any(Date),
    });
    await expectLedgerMatchesCompleted(db, stack.sandbox);

    // Paid once more, once: the ledger holds one live payment per commission.
    const second = await payEveryoneOverApi(stack);
    expect(second.paymentCount).toBe(1);
    await expectBatchSettled(stack.producer, second.batchId);
    expect(await db.commission.findUniqueOrThrow({ where: { id: removed.commissionId } })).toMatchObject({
      status: 'PAID',
    });
    expect(await expectLedgerMatchesCompleted(db, stack.sandbox)).toBe(12_000n);
  });
});
