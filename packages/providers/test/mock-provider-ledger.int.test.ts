import { Prisma } from '@payouts/db';
import { makeTestContext, type TestContext } from '@payouts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideMockCall, resolveFaultPlan } from '../src/mock-faults.ts';
import { readMockLedger, readMockLedgerByKey } from '../src/mock-ledger.ts';
import { makeMockProvider } from '../src/mock-provider.ts';
import { ProviderOutcomeUnknownError, ProviderPermanentError } from '../src/provider-errors.ts';
import { kindOf, sendOutcome } from './mock-calls.ts';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await makeTestContext();
});
afterAll(async () => {
  await ctx?.cleanup();
});

const payment = (idempotencyKey: string, amount = '25.50') => ({
  idempotencyKey,
  payeeId: 'rise_payee',
  amount,
  currency: 'USD',
});

describe('the mock provider ledger', () => {
  it('records a payment that timed out after paying once, reports it PAID, and returns its providerTxId on retry', async () => {
    const provider = makeMockProvider({ db: ctx.db, faults: { seed: 1, timeoutAfterPay: 1 } });
    await expect(provider.sendPayment(payment('tap-1'))).rejects.toThrow(ProviderOutcomeUnknownError);
    const row = (await readMockLedgerByKey(ctx.db)).get('tap-1');
    expect(row).toMatchObject({ amount: '25.50', payeeId: 'rise_payee', currency: 'USD', sendCalls: 1 });
    const status = await provider.getPaymentStatus({ idempotencyKey: 'tap-1', payeeId: 'p' });
    expect(status).toEqual({ state: 'PAID', providerTxId: row?.providerTxId });

    // Retrying through a provider that does not fault (another worker, no plan) gets the same payment.
    const retry = await makeMockProvider({ db: ctx.db }).sendPayment(payment('tap-1'));
    expect(retry.providerTxId).toBe(row?.providerTxId);
    // Retrying into another timeout after paying moves no money either.
    await expect(provider.sendPayment(payment('tap-1'))).rejects.toThrow(ProviderOutcomeUnknownError);
    const after = (await readMockLedgerByKey(ctx.db)).get('tap-1');
    expect(after).toMatchObject({ providerTxId: row?.providerTxId, sendCalls: 3 });
    expect([...(await readMockLedgerByKey(ctx.db)).keys()].filter((key) => key === 'tap-1')).toHaveLength(1);
  });

  it('reports NOT_FOUND for a key that faulted before paying', async () => {
    const provider = makeMockProvider({ db: ctx.db, faults: { seed: 1, timeoutBeforePay: 1 } });
    await expect(provider.sendPayment(payment('tbp-1'))).rejects.toThrow(ProviderOutcomeUnknownError);
    expect(await provider.getPaymentStatus({ idempotencyKey: 'tbp-1', payeeId: 'p' })).toEqual({ state: 'NOT_FOUND' });
    expect((await readMockLedgerByKey(ctx.db)).has('tbp-1')).toBe(false);
  });

  it('makes one payment for 20 concurrent sends of one key, and counts them all', async () => {
    const provider = makeMockProvider({ db: ctx.db, latencyMs: 5 });
    const receipts = await Promise.all(Array.from({ length: 20 }, () => provider.sendPayment(payment('conc-1'))));
    expect(new Set(receipts.map((r) => r.providerTxId)).size).toBe(1);
    expect((await readMockLedgerByKey(ctx.db)).get('conc-1')).toMatchObject({
      providerTxId: receipts[0]?.providerTxId,
      sendCalls: 20,
    });
  });

  it('numbers concurrent sends of one key 1..20, so their faults are the plan decisions for attempts 1..20', async () => {
    const faults = { seed: 77, transient: '0.3', timeoutAfterPay: '0.3' };
    const provider = makeMockProvider({ db: ctx.db, latencyMs: 5, faults });
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => sendOutcome(provider, 'conc-2')));
    const plan = resolveFaultPlan(faults);
    const expected = Array.from({ length: 20 }, (_, i) =>
      decideMockCall(plan, { idempotencyKey: 'conc-2', payeeId: 'rise_payee', attempt: i + 1 }),
    );
    const decided = outcomes.map((outcome) => /\/(\w+)/.exec(outcome)?.[1] ?? kindOf(outcome));
    expect(decided.toSorted()).toEqual(expected.toSorted());
    const paying = expected.filter((d) => d === 'ok' || d === 'timeoutAfterPay').length;
    expect(paying).toBeGreaterThan(0);
    expect((await readMockLedgerByKey(ctx.db)).get('conc-2')?.sendCalls).toBe(paying);
  });

  it('refuses a repeated key with another amount, and keeps the first payment', async () => {
    const provider = makeMockProvider({ db: ctx.db });
    const first = await provider.sendPayment(payment('amt-1', '10.00'));
    await expect(provider.sendPayment(payment('amt-1', '10.01'))).rejects.toThrow(ProviderPermanentError);
    await expect(provider.sendPayment(payment('amt-1', '10.01'))).rejects.toThrow(/was used for 10.00, not 10.01/);
    expect(await provider.sendPayment(payment('amt-1', '10'))).toEqual(first);
    expect((await readMockLedgerByKey(ctx.db)).get('amt-1')).toMatchObject({ amount: '10.00', sendCalls: 4 });
  });

  it.each(['0', '0.00', '-1.00', '1.005', 'abc', '', '12345678901234567.00'])(
    'refuses the amount %j permanently without recording anything',
    async (amount) => {
      const provider = makeMockProvider({ db: ctx.db });
      const key = `bad-amount-${amount}`;
      await expect(provider.sendPayment(payment(key, amount))).rejects.toThrow(ProviderPermanentError);
      expect((await readMockLedgerByKey(ctx.db)).has(key)).toBe(false);
    },
  );

  it('totals agree with the rows by key', async () => {
    const provider = makeMockProvider({ db: ctx.db });
    await provider.sendPayment(payment('sum-1', '0.10'));
    await provider.sendPayment(payment('sum-2', '0.20'));
    const totals = await readMockLedger(ctx.db);
    const rows = [...(await readMockLedgerByKey(ctx.db)).values()];
    expect(totals).toEqual({
      payments: rows.length,
      total: rows.reduce((sum, row) => sum.plus(row.amount), new Prisma.Decimal(0)).toFixed(2),
      sendCalls: rows.reduce((sum, row) => sum + row.sendCalls, 0),
    });
    expect(totals.total).toMatch(/^\d+\.\d{2}$/);
  });
});
