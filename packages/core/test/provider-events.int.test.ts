import { randomUUID } from 'node:crypto';
import { makeMockProvider, type PaymentProvider, removeMockPayment, signRiseWebhook } from '@payouts/providers';
import { findInvariantViolations, insertAffiliate, makeTestContext, type TestContext } from '@payouts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueBatchExecution, startBatchExecution } from '../src/batches/batch-execution.ts';
import { createBatches } from '../src/batches/create-batches.ts';
import { payTransaction } from '../src/payments/pay-transaction.ts';
import { claimTransaction, recordPaymentCompleted } from '../src/payments/transaction-transitions.ts';
import { applyStoredEvent, recordEventFailed } from '../src/provider-events/apply-event.ts';
import { pollUnconfirmedPayments } from '../src/provider-events/poll-confirmations.ts';
import { receiveRiseWebhook } from '../src/provider-events/receive-webhook.ts';

const secret = 'core-test-webhook-secret';
const admin = { actor: 'test:admin' };

describe('provider events: confirmations, reversals, payees', () => {
  let ctx: TestContext;
  let provider: PaymentProvider;

  beforeAll(async () => {
    ctx = await makeTestContext();
    provider = makeMockProvider({ db: ctx.db });
  });
  afterAll(async () => {
    // The mock's ledger knows which payments were removed: I1-I6 are checked against its live total.
    expect(await findInvariantViolations(ctx.db)).toEqual([]);
    await ctx?.cleanup();
  });

  /** A batch for the affiliate, queued and moved to PROCESSING as an execute job would. */
  async function processingBatch(affiliateId: string) {
    const created = await createBatches(
      ctx,
      { provider: 'MOCK', maxBatchSize: 100, minPayout: '50.00', affiliateIds: [affiliateId] },
      admin,
    );
    const batchId = created.batches[0]?.id ?? '';
    await queueBatchExecution(ctx, batchId, admin);
    const started = await startBatchExecution(ctx, batchId);
    if (!started.started) throw new Error('batch did not start');
    return { batchId, transactionIds: started.transactionIds };
  }

  async function paidTransaction(commission = '60.00') {
    const affiliate = await insertAffiliate(ctx.db, { commissions: [commission] });
    const { batchId, transactionIds } = await processingBatch(affiliate.affiliateId);
    const id = transactionIds[0] ?? '';
    const paid = await payTransaction(
      { ...ctx, provider, claimLeaseMs: 60_000 },
      { transactionId: id, batchId },
      admin,
    );
    if (paid.outcome !== 'COMPLETED') throw new Error(`not paid: ${paid.outcome}`);
    return {
      affiliate,
      batchId,
      transaction: await ctx.db.disbursementTransaction.findUniqueOrThrow({ where: { id } }),
    };
  }

  /** Stores an event as the webhook route would: signed, checked, stored once per idempotency key. */
  async function deliver(eventType: string, payloadKey: string, payload: object, idempotencyKey = randomUUID()) {
    const rawBody = JSON.stringify({
      object: 'event',
      created: Math.floor(Date.now() / 1000),
      request_id: `req-${randomUUID()}`,
      event_type: eventType,
      event_version: '1.0',
      idempotency_key: idempotencyKey,
      [payloadKey]: payload,
    });
    const signatureHeader = signRiseWebhook(secret, rawBody, Math.floor(Date.now() / 1000));
    const receipt = await receiveRiseWebhook(ctx, { rawBody, signatureHeader, secret, toleranceSeconds: 600 });
    if (receipt.refused) throw new Error(`refused: ${receipt.reason}`);
    return receipt.eventId;
  }

  const paymentOf = (t: {
    providerTxId: string | null;
    idempotencyKey: string;
    amount: { toFixed(n: number): string };
  }) => ({
    nanoid: t.providerTxId,
    payment_group_nanoid: 'pg-test',
    state: 'complete',
    amount_cents: Number(t.amount.toFixed(2).replace('.', '')),
    invoice_description: `Commission payout [${t.idempotencyKey}]`,
  });

  const auditCount = (transactionId: string, action: string) =>
    ctx.db.disbursementAuditLog.count({ where: { transactionId, action } });

  it('payment.sent confirms a COMPLETED payment once, however often it arrives', async () => {
    const { transaction } = await paidTransaction();
    const first = await deliver('payment.sent', 'payment', paymentOf(transaction));
    expect(await applyStoredEvent(ctx, first)).toMatchObject({ status: 'APPLIED', alreadySettled: false });
    // The same event again (its job ran twice), and a second delivery stored under another key.
    expect(await applyStoredEvent(ctx, first)).toMatchObject({ status: 'APPLIED', alreadySettled: true });
    const second = await deliver('payment.sent', 'payment', paymentOf(transaction));
    expect(await applyStoredEvent(ctx, second)).toMatchObject({ status: 'IGNORED', alreadySettled: false });

    const after = await ctx.db.disbursementTransaction.findUniqueOrThrow({ where: { id: transaction.id } });
    expect(after).toMatchObject({ status: 'COMPLETED', providerState: 'complete' });
    expect(after.confirmedAt).toBeInstanceOf(Date);
    expect(await auditCount(transaction.id, 'payment.confirmed')).toBe(1);
    const event = await ctx.db.riseWorksWebhookEvent.findUniqueOrThrow({ where: { id: first } });
    expect(event).toMatchObject({ status: 'APPLIED', processed: true, transactionId: transaction.id, attempts: 1 });
  });

  it('a repeated delivery with the same idempotency key is stored once', async () => {
    const { transaction } = await paidTransaction();
    const key = randomUUID();
    const a = await deliver('payment.sent', 'payment', paymentOf(transaction), key);
    const b = await deliver('payment.sent', 'payment', paymentOf(transaction), key);
    expect(b).toBe(a);
    expect(await ctx.db.riseWorksWebhookEvent.count({ where: { providerEventId: key } })).toBe(1);
  });

  it('payment.sent before our COMPLETED write waits, then confirms once the write lands', async () => {
    const affiliate = await insertAffiliate(ctx.db, { commissions: ['75.00'] });
    const { batchId, transactionIds } = await processingBatch(affiliate.affiliateId);
    const id = transactionIds[0] ?? '';
    const claim = await claimTransaction(ctx, id, batchId, 60_000, admin);
    if (!claim.claimed) throw new Error('not claimed');
    const { providerTxId } = await provider.sendPayment({
      idempotencyKey: claim.transaction.idempotencyKey,
      payeeId: claim.transaction.payeeRiseId ?? '',
      amount: '75.00',
      currency: 'USD',
    });
    const eventId = await deliver('payment.sent', 'payment', {
      ...paymentOf({ ...claim.transaction, providerTxId }),
    });
    expect(await applyStoredEvent(ctx, eventId)).toMatchObject({ status: 'WAITING' });
    expect(await ctx.db.riseWorksWebhookEvent.findUniqueOrThrow({ where: { id: eventId } })).toMatchObject({
      status: 'WAITING',
      processed: false,
    });

    expect(await recordPaymentCompleted(ctx, claim.transaction, providerTxId, admin)).toBe(true);
    expect(await applyStoredEvent(ctx, eventId)).toMatchObject({ status: 'APPLIED' });
    const after = await ctx.db.disbursementTransaction.findUniqueOrThrow({ where: { id } });
    expect(after.confirmedAt).toBeInstanceOf(Date);
  });

  it('payment.removed reverses a completed payment: commission payable again, totals corrected, audited', async () => {
    const { affiliate, transaction } = await paidTransaction('80.00');
    await removeMockPayment(ctx.db, transaction.providerTxId ?? '');
    const eventId = await deliver('payment.removed', 'payment', {
      ...paymentOf(transaction),
      state: 'removed',
      reason: 'returned by the bank',
    });
    expect(await applyStoredEvent(ctx, eventId)).toMatchObject({ status: 'APPLIED' });

    const reversed = await ctx.db.disbursementTransaction.findUniqueOrThrow({ where: { id: transaction.id } });
    expect(reversed).toMatchObject({
      status: 'REVERSED',
      liveCommissionId: null,
      providerState: 'removed',
      errorMessage: 'returned by the bank',
    });
    const commission = await ctx.db.commission.findUniqueOrThrow({ where: { id: transaction.commissionId } });
    expect(commission).toMatchObject({ status: 'APPROVED', paidAt: null });
    const profile = await ctx.db.affiliateProfile.findUniqueOrThrow({ where: { id: affiliate.affiliateId } });
    expect([profile.paidCommissions.toFixed(2), profile.pendingCommissions.toFixed(2)]).toEqual(['0.00', '80.00']);
    const audits = await ctx.db.disbursementAuditLog.findMany({
      where: { transactionId: transaction.id, action: { in: ['payment.reversed', 'commission.reversed'] } },
      orderBy: { action: 'asc' },
    });
    expect(audits.map((a) => [a.action, a.fromStatus, a.toStatus, a.actor])).toEqual([
      ['commission.reversed', 'PAID', 'APPROVED', 'provider:riseworks'],
      ['payment.reversed', 'COMPLETED', 'REVERSED', 'provider:riseworks'],
    ]);
    expect(await findInvariantViolations(ctx.db)).toEqual([]);

    // Payable again: the next batch pays it once more, under a new key, and the ledger agrees.
    const again = await processingBatch(affiliate.affiliateId);
    const repaid = await payTransaction(
      { ...ctx, provider, claimLeaseMs: 60_000 },
      { transactionId: again.transactionIds[0] ?? '', batchId: again.batchId },
      admin,
    );
    expect(repaid.outcome).toBe('COMPLETED');
    expect(await ctx.db.commission.findUniqueOrThrow({ where: { id: transaction.commissionId } })).toMatchObject({
      status: 'PAID',
    });
    const payments = await ctx.db.disbursementTransaction.findMany({
      where: { commissionId: transaction.commissionId },
      orderBy: { createdAt: 'asc' },
    });
    expect(payments.map((p) => p.status)).toEqual(['REVERSED', 'COMPLETED']);
    expect(await findInvariantViolations(ctx.db)).toEqual([]);

    // The removal delivered again changes nothing.
    const again2 = await deliver('payment.removed', 'payment', { ...paymentOf(transaction), state: 'removed' });
    expect(await applyStoredEvent(ctx, again2)).toMatchObject({ status: 'IGNORED' });
    expect(await auditCount(transaction.id, 'payment.reversed')).toBe(1);
  });

  it('out of order: a removal and a confirmation that both arrive before our write end REVERSED, whichever applies first', async () => {
    for (const order of [
      ['removed', 'sent'],
      ['sent', 'removed'],
    ] as const) {
      const affiliate = await insertAffiliate(ctx.db, { commissions: ['55.00'] });
      const { batchId, transactionIds } = await processingBatch(affiliate.affiliateId);
      const id = transactionIds[0] ?? '';
      const claim = await claimTransaction(ctx, id, batchId, 60_000, admin);
      if (!claim.claimed) throw new Error('not claimed');
      const { providerTxId } = await provider.sendPayment({
        idempotencyKey: claim.transaction.idempotencyKey,
        payeeId: claim.transaction.payeeRiseId ?? '',
        amount: '55.00',
        currency: 'USD',
      });
      const payment = paymentOf({ ...claim.transaction, providerTxId });
      const removed = await deliver('payment.removed', 'payment', { ...payment, state: 'removed' });
      const sent = await deliver('payment.sent', 'payment', payment);
      expect((await applyStoredEvent(ctx, removed)).status).toBe('WAITING');
      expect((await applyStoredEvent(ctx, sent)).status).toBe('WAITING');

      await recordPaymentCompleted(ctx, claim.transaction, providerTxId, admin);
      await removeMockPayment(ctx.db, providerTxId);
      const [first, second] = order[0] === 'removed' ? [removed, sent] : [sent, removed];
      await applyStoredEvent(ctx, first);
      await applyStoredEvent(ctx, second);
      const after = await ctx.db.disbursementTransaction.findUniqueOrThrow({ where: { id } });
      expect(after.status, order.join(' then ')).toBe('REVERSED');
      expect(await auditCount(id, 'payment.reversed')).toBe(1);
    }
    expect(await findInvariantViolations(ctx.db)).toEqual([]);
  });

  it('contradictions are conflicts for an operator and change nothing: another payment id, another amount', async () => {
    const { transaction } = await paidTransaction('66.00');
    const otherId = await deliver('payment.sent', 'payment', { ...paymentOf(transaction), nanoid: 'pa-someoneelse' });
    expect(await applyStoredEvent(ctx, otherId)).toMatchObject({ status: 'CONFLICT' });
    const wrongAmount = await deliver('payment.sent', 'payment', { ...paymentOf(transaction), amount_cents: 6601 });
    expect(await applyStoredEvent(ctx, wrongAmount)).toMatchObject({ status: 'CONFLICT' });
    const after = await ctx.db.disbursementTransaction.findUniqueOrThrow({ where: { id: transaction.id } });
    expect(after).toMatchObject({ status: 'COMPLETED', confirmedAt: null });
    expect(await auditCount(transaction.id, 'payment.provider_conflict')).toBe(2);
  });

  it('keeps unknown event types and events about payments not ours, applying nothing', async () => {
    const deposit = await deliver('deposit.received', 'deposit', { nanoid: 'de-1', amount_cents: 100 });
    expect(await applyStoredEvent(ctx, deposit)).toMatchObject({ status: 'IGNORED' });
    const stranger = await deliver('payment.sent', 'payment', {
      nanoid: 'pa-stranger',
      state: 'complete',
      amount_cents: 100,
      invoice_description: 'paid from the Rise app [not-ours]',
    });
    expect(await applyStoredEvent(ctx, stranger)).toMatchObject({ status: 'IGNORED' });
    const unreadable = await deliver('payment.removed', 'payment', { state: 'removed' });
    expect(await applyStoredEvent(ctx, unreadable)).toMatchObject({ status: 'FAILED' });
  });

  it('invite.accepted links the affiliate with that e-mail, and refuses to re-point a linked one', async () => {
    const unlinked = await insertAffiliate(ctx.db, { commissions: ['10.00'], kyc: null });
    const user = await ctx.db.affiliateProfile.findUniqueOrThrow({
      where: { id: unlinked.affiliateId },
      select: { user: { select: { email: true } } },
    });
    const joined = await deliver('invite.accepted', 'invite', {
      nanoid: 'in-abc',
      user_nanoid: 'us-newpayee0001',
      email: user.user.email.toUpperCase(),
    });
    expect(await applyStoredEvent(ctx, joined)).toMatchObject({ status: 'APPLIED' });
    const account = await ctx.db.affiliateRiseAccount.findUniqueOrThrow({
      where: { affiliateProfileId: unlinked.affiliateId },
    });
    expect(account).toMatchObject({ riseId: 'us-newpayee0001', kycStatus: 'PENDING' });

    const repoint = await deliver('invite.accepted', 'invite', {
      nanoid: 'in-def',
      user_nanoid: 'us-another00001',
      email: user.user.email,
    });
    expect(await applyStoredEvent(ctx, repoint)).toMatchObject({ status: 'CONFLICT' });
    expect(
      await ctx.db.affiliateRiseAccount.findUniqueOrThrow({ where: { affiliateProfileId: unlinked.affiliateId } }),
    ).toMatchObject({ riseId: 'us-newpayee0001' });
  });

  it('the look-up fallback confirms payments no webhook confirmed, reverses removed ones, and stops when aborted', async () => {
    await ctx.db.disbursementTransaction.updateMany({
      where: { status: 'COMPLETED', confirmedAt: null },
      data: { confirmedAt: new Date() },
    });
    const standing = await paidTransaction('51.00');
    const removed = await paidTransaction('52.00');
    await removeMockPayment(ctx.db, removed.transaction.providerTxId ?? '');

    const early = await pollUnconfirmedPayments({ ...ctx, provider }, { afterMs: 60_000, limit: 10 }, admin);
    expect(early.asked).toBe(0);
    // A worker shutting down aborts the pass: it stops after the look-up under way, the rest wait for the next.
    const stopping = new AbortController();
    const abortingProvider: typeof provider = {
      ...provider,
      getPaymentConfirmation: (input) => {
        stopping.abort();
        return provider.getPaymentConfirmation(input);
      },
    };
    const stopped = await pollUnconfirmedPayments(
      { ...ctx, provider: abortingProvider },
      { afterMs: 0, limit: 10, signal: stopping.signal },
      admin,
    );
    // The oldest first: the standing payment, confirmed; the removed one is left for the next pass.
    expect(stopped).toEqual({ asked: 1, confirmed: 1, reversed: 0, unsettled: 0, failed: 0 });
    const report = await pollUnconfirmedPayments({ ...ctx, provider }, { afterMs: 0, limit: 10 }, admin);
    expect(report).toEqual({ asked: 1, confirmed: 0, reversed: 1, unsettled: 0, failed: 0 });
    const [a, b] = await Promise.all(
      [standing, removed].map((p) =>
        ctx.db.disbursementTransaction.findUniqueOrThrow({ where: { id: p.transaction.id } }),
      ),
    );
    expect([a?.status, a?.confirmedAt !== null, b?.status]).toEqual(['COMPLETED', true, 'REVERSED']);
    const lookedUp = await ctx.db.disbursementAuditLog.findFirstOrThrow({
      where: { transactionId: standing.transaction.id, action: 'payment.confirmed' },
    });
    expect(lookedUp.details).toMatchObject({ source: 'provider look-up' });
    expect(await pollUnconfirmedPayments({ ...ctx, provider }, { afterMs: 0, limit: 10 }, admin)).toMatchObject({
      asked: 0,
    });
  });

  it('an event whose job gave up is FAILED once, with its audit row, and stays so', async () => {
    const eventId = await deliver('deposit.received', 'deposit', { nanoid: 'de-2' });
    expect(await recordEventFailed(ctx, eventId, 'Error: database away')).toBe(true);
    expect(await recordEventFailed(ctx, eventId, 'Error: again')).toBe(false);
    expect(await ctx.db.riseWorksWebhookEvent.findUniqueOrThrow({ where: { id: eventId } })).toMatchObject({
      status: 'FAILED',
      errorMessage: 'Error: database away',
    });
    const audits = await ctx.db.disbursementAuditLog.findMany({ where: { action: 'provider_event.failed' } });
    expect(audits.map((a) => [a.fromStatus, a.toStatus, a.actor])).toEqual([
      ['RECEIVED', 'FAILED', 'provider:riseworks'],
    ]);
    expect(await applyStoredEvent(ctx, eventId)).toMatchObject({ status: 'FAILED', alreadySettled: true });
  });
});
