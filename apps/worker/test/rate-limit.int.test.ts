import { readMockLedger } from '@payouts/providers';
import { findInvariantViolations, insertAffiliate, makeTestContext, type TestContext } from '@payouts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAndExecute, startEngine, waitForBatch } from './support/engine-harness.ts';

// A 429 from the provider is a request to slow down, not a failed payment: the queue waits Retry-After
// and the payment goes back to waiting with its attempts untouched.
let ctx: TestContext;
beforeAll(async () => {
  ctx = await makeTestContext();
});
afterAll(async () => ctx?.cleanup());

describe('provider rate limits', () => {
  it('pauses the queue for Retry-After instead of spending attempts: one attempt each, every payment made once', async () => {
    for (let i = 0; i < 12; i++) await insertAffiliate(ctx.db, { commissions: ['60.00'] });
    const { deps, running } = startEngine(ctx, {
      // A single attempt: before, any 429 on it failed the payment for good.
      PAY_ATTEMPTS: '1',
      MOCK_PROVIDER_FAULTS: 'rateLimited=0.5',
      MOCK_PROVIDER_RETRY_AFTER_MS: '50',
      MOCK_PROVIDER_SEED: '3',
      WORKER_CONCURRENCY: '4',
    });
    try {
      const batchId = await createAndExecute(deps);
      expect(await waitForBatch(deps, batchId, 60)).toBe('COMPLETED');
      const transactions = await ctx.db.disbursementTransaction.findMany({ where: { batchId } });
      expect(transactions.map((t) => t.status)).toEqual(Array(12).fill('COMPLETED'));
      // The 429s happened, and none counted as a failed attempt.
      const limited = await ctx.db.disbursementAuditLog.count({
        where: { action: 'payment.retry_scheduled', details: { path: ['error'], string_contains: 'rateLimited' } },
      });
      expect(limited).toBeGreaterThan(0);
      expect(transactions.every((t) => t.retryCount === 0)).toBe(true);
      expect(await readMockLedger(ctx.db)).toMatchObject({ payments: 12, total: '720.00' });
    } finally {
      await running.close();
    }
    expect(await findInvariantViolations(ctx.db)).toEqual([]);
  });
});
