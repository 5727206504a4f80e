import { discardTransaction, replayTransaction } from '@payouts/core';
import {
  findInvariantViolations,
  insertAffiliate,
  makeTestContext,
  type RiseSandboxProcess,
  spawnRiseSandbox,
  type TestContext,
} from '@payouts/testing';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningWorkers } from '../src/start-workers.ts';
import type { WorkerDeps } from '../src/worker-deps.ts';
import { createAndExecute, startEngine, waitForBatch } from './support/engine-harness.ts';

// The engine paying through the Rise adapter, against the Rise sandbox over a real socket.
const team = 'te-enginetest01';
const riseId = '0x00000000000000000000000000000000000e0001';

interface SandboxLedger {
  payments: { nanoid: string; recipient: string; amount_cents: number; invoice_description: string; state: string }[];
  totals: { live_amount_cents: number; count: number };
}

describe('paying through Rise', () => {
  let ctx: TestContext;
  let sandbox: RiseSandboxProcess;
  let deps: WorkerDeps;
  let running: RunningWorkers;

  const control = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${sandbox.url}/sandbox${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(response.status, path).toBe(200);
    return ((await response.json()) as { data: unknown }).data;
  };

  beforeAll(async () => {
    ctx = await makeTestContext();
    const key = generatePrivateKey();
    sandbox = await spawnRiseSandbox({
      DATABASE_URL: ctx.databaseUrl,
      RISE_SANDBOX_TEAM_NANOID: team,
      RISE_SANDBOX_RISE_ID: riseId,
      RISE_SANDBOX_WALLET_ADDRESS: privateKeyToAccount(key).address,
      RISE_SANDBOX_BALANCE_CENTS: '1000000',
    });
    ({ deps, running } = startEngine(ctx, {
      PAYOUT_PROVIDER: 'RISE',
      RISE_API_URL: sandbox.url,
      RISE_TEAM_NANOID: team,
      RISE_RISE_ID: riseId,
      RISE_WALLET_PRIVATE_KEY: key,
      RISE_WEBHOOK_SECRET: 'engine-test-secret',
      RISE_TIMEOUT_MS: '1500',
      WORKER_CONCURRENCY: '4',
    }));
  });
  afterAll(async () => {
    await running?.close();
    expect(await sandbox?.stop()).toBe(0);
    await ctx?.cleanup();
  });

  it('pays a batch once per transaction, refuses a payee Rise does not know, and the ledgers agree to the cent', async () => {
    const members = [];
    for (let i = 0; i < 4; i++) {
      const affiliate = await insertAffiliate(ctx.db, { commissions: ['40.00', '12.34'] });
      const nanoid = `us-enginetst${String(i).padStart(3, '0')}`;
      await ctx.db.affiliateRiseAccount.updateMany({
        where: { affiliateProfileId: affiliate.affiliateId },
        data: { riseId: nanoid },
      });
      // The last one never finished onboarding: Rise refuses to pay it.
      members.push({ nanoid, email: `${nanoid}@example.test`, onboarding_status: i === 3 ? 'pending' : 'approved' });
    }
    await control('POST', '/members', { team, members });

    const batchId = await createAndExecute(deps);
    expect(await waitForBatch(deps, batchId, 60)).toBe('FAILED');

    const transactions = await ctx.db.disbursementTransaction.findMany({ where: { batchId } });
    const completed = transactions.filter((t) => t.status === 'COMPLETED');
    const failed = transactions.filter((t) => t.status === 'FAILED');
    expect(completed).toHaveLength(6);
    expect(failed.map((t) => t.payeeRiseId)).toEqual(['us-enginetst003', 'us-enginetst003']);
    for (const t of failed) expect(t.errorMessage).toMatch(/INVALID_RECIPIENT/);
    const deadLetters = await deps.queues['dead-letter'].getJobs(['waiting']);
    expect(deadLetters.map((j) => j.data.transactionId).sort()).toEqual(failed.map((t) => t.id).sort());

    const ledger = (await control('GET', '/ledger')) as SandboxLedger;
    // One Rise payment per transaction, each carrying its own idempotency key, and nothing else.
    expect(ledger.payments.map((p) => p.nanoid).sort()).toEqual(completed.map((t) => t.providerTxId).sort());
    for (const t of completed) {
      const paid = ledger.payments.filter((p) => p.invoice_description.includes(`[${t.idempotencyKey}]`));
      expect(paid, t.idempotencyKey).toHaveLength(1);
      expect(paid[0]).toMatchObject({ recipient: t.payeeRiseId, amount_cents: Number(t.amount.mul(100).toFixed(0)) });
    }
    const completedCents = completed.reduce((sum, t) => sum + BigInt(t.amount.mul(100).toFixed(0)), 0n);
    expect(BigInt(ledger.totals.live_amount_cents)).toBe(completedCents);
    expect(completedCents).toBe(3n * (4000n + 1234n));

    const ledgerTotal = `${completedCents / 100n}.${String(completedCents % 100n).padStart(2, '0')}`;
    expect(await findInvariantViolations(ctx.db, { providerLedgerTotal: ledgerTotal })).toEqual([]);
  });

  it('never pays again while the look-up after a lost answer keeps failing', async () => {
    await control('POST', '/reset');
    await ctx.db.commission.updateMany({ where: { status: 'APPROVED' }, data: { status: 'CANCELLED' } });
    const affiliate = await insertAffiliate(ctx.db, { commissions: ['75.00'] });
    const nanoid = 'us-lookupfail01';
    await ctx.db.affiliateRiseAccount.updateMany({
      where: { affiliateProfileId: affiliate.affiliateId },
      data: { riseId: nanoid },
    });
    await control('POST', '/members', { team, members: [{ nanoid, email: `${nanoid}@example.test` }] });
    // Rise pays, the answer is lost; then the look-ups that would tell fail for a while.
    await control('POST', '/faults', { operation: 'execute', kind: 'timeoutAfterPay', count: 1 });
    await control('POST', '/faults', { operation: 'lookup', kind: 'status500', count: 3 });

    const batchId = await createAndExecute(deps);
    expect(await waitForBatch(deps, batchId, 60)).toBe('COMPLETED');
    const ledger = (await control('GET', '/ledger')) as SandboxLedger;
    expect(ledger.payments.map((p) => [p.recipient, p.amount_cents])).toEqual([[nanoid, 7500]]);
    const [transaction] = await ctx.db.disbursementTransaction.findMany({ where: { batchId } });
    expect(transaction?.providerTxId).toBe(ledger.payments[0]?.nanoid);
    const outcomes = await ctx.db.disbursementAuditLog.findMany({
      where: { transactionId: transaction?.id, action: { in: ['payment.outcome_unknown', 'payment.retry_scheduled'] } },
      orderBy: { createdAt: 'asc' },
    });
    // Every failed attempt left it UNKNOWN (look up first), never PENDING (pay without looking).
    expect(outcomes.map((o) => o.toStatus)).toEqual(['UNKNOWN', 'UNKNOWN', 'UNKNOWN', 'UNKNOWN']);
  });

  it('stops for good when Rise holds two payments for one key: no replay, no discard, no third payment', async () => {
    await control('POST', '/reset');
    await ctx.db.commission.updateMany({ where: { status: 'APPROVED' }, data: { status: 'CANCELLED' } });
    const affiliate = await insertAffiliate(ctx.db, { commissions: ['60.00'] });
    const nanoid = 'us-duplicated01';
    await ctx.db.affiliateRiseAccount.updateMany({
      where: { affiliateProfileId: affiliate.affiliateId },
      data: { riseId: nanoid },
    });
    await control('POST', '/members', { team, members: [{ nanoid, email: `${nanoid}@example.test` }] });
    const batchId = await createAndExecute(deps, async (id) => {
      // The incident planted: the key paid twice at Rise, and our row left UNKNOWN, as after a lost answer.
      const [t] = await ctx.db.disbursementTransaction.findMany({ where: { batchId: id } });
      if (!t) throw new Error('no transaction');
      const request = { idempotencyKey: t.idempotencyKey, payeeId: nanoid, amount: '60.00', currency: 'USD' };
      await deps.provider.sendPayment(request);
      await deps.provider.sendPayment(request);
      await ctx.db.disbursementTransaction.update({ where: { id: t.id }, data: { status: 'UNKNOWN' } });
    });
    expect(await waitForBatch(deps, batchId, 60)).toBe('FAILED');
    const [transaction] = await ctx.db.disbursementTransaction.findMany({ where: { batchId } });
    if (!transaction) throw new Error('no transaction');
    expect(transaction).toMatchObject({
      status: 'FAILED',
      incident: expect.stringMatching(/^DUPLICATE_PROVIDER_PAYMENTS pa-/),
    });
    expect(((await control('GET', '/ledger')) as SandboxLedger).payments).toHaveLength(2);
    await expect(replayTransaction(deps, transaction.id, { actor: 'test:operator' })).rejects.toThrow(
      /provider incident/,
    );
    await expect(discardTransaction(deps, transaction.id, { actor: 'test:operator' })).rejects.toThrow(
      /provider incident/,
    );
    expect((await ctx.db.disbursementTransaction.findUniqueOrThrow({ where: { id: transaction.id } })).status).toBe(
      'FAILED',
    );
  });
});
