import { findInvariantViolations, insertAffiliate, makeTestContext, type TestContext } from '@payouts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAuditLogs } from '../src/audit-log.ts';
import { cancelBatch } from '../src/batches/cancel-batch.ts';
import { createBatches } from '../src/batches/create-batches.ts';
import { getBatch } from '../src/batches/get-batch.ts';
import { listBatches } from '../src/batches/list-batches.ts';
import { DomainError } from '../src/errors.ts';

const rules = { minPayout: '50.00', maxBatchSize: 2, provider: 'MOCK' as const };

describe('batch lifecycle and audit trail', () => {
  let ctx: TestContext;
  let batchIds: string[];

  beforeAll(async () => {
    ctx = await makeTestContext();
    for (let i = 0; i < 3; i++) await insertAffiliate(ctx.db, { commissions: ['30.00', '30.00'] });
    const created = await createBatches(ctx, rules, { actor: 'test:creator' });
    batchIds = created.batches.map((b) => b.id);
    await cancelBatch(ctx, batchIds[0] ?? '', { actor: 'test:canceller', ipAddress: '10.0.0.1', userAgent: 'curl/8' });
  });
  afterAll(async () => {
    expect(await findInvariantViolations(ctx.db)).toEqual([]);
    await ctx?.cleanup();
  });

  it('lists batches newest first, filtered by status, page by page without gaps or repeats', async () => {
    expect(batchIds).toHaveLength(3);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listBatches(ctx, { limit: 2, cursor });
      seen.push(...page.items.map((b) => b.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect([...seen].sort()).toEqual([...batchIds].sort());

    const pending = await listBatches(ctx, { limit: 50, status: 'PENDING' });
    expect(pending.items.map((b) => b.id).sort()).toEqual(batchIds.slice(1).sort());
    expect(pending.items.every((b) => b.totalAmount === '60.00')).toBe(true);
    const cancelled = await listBatches(ctx, { limit: 50, status: 'CANCELLED' });
    expect(cancelled.items.map((b) => b.id)).toEqual([batchIds[0]]);
  });

  it('rejects a cursor it did not issue', async () => {
    await expect(listBatches(ctx, { limit: 2, cursor: 'bm90LWEtY3Vyc29y' })).rejects.toBeInstanceOf(DomainError);
  });

  it('shows a batch with its transactions, counts per status and progress', async () => {
    const batch = await getBatch(ctx, batchIds[1] ?? '');
    expect(batch).toMatchObject({
      status: 'PENDING',
      paymentCount: 2,
      totalAmount: '60.00',
      counts: { PENDING: 2, COMPLETED: 0 },
      progress: { settled: 0, total: 2 },
    });
    expect(batch.transactions.map((t) => t.amount)).toEqual(['30.00', '30.00']);
  });

  it('finds audit rows by batch, action, actor and time range, with who and where', async () => {
    const forBatch = await listAuditLogs(ctx, { limit: 50, batchId: batchIds[0] });
    expect(forBatch.items.map((a) => a.action).sort()).toEqual([
      'batch.cancelled',
      'batch.created',
      'transaction.cancelled',
      'transaction.cancelled',
      'transaction.created',
      'transaction.created',
    ]);
    const cancelled = await listAuditLogs(ctx, { limit: 50, action: 'batch.cancelled' });
    expect(cancelled.items).toMatchObject([
      {
        actor: 'test:canceller',
        ipAddress: '10.0.0.1',
        userAgent: 'curl/8',
        fromStatus: 'PENDING',
        toStatus: 'CANCELLED',
      },
    ]);
    const byCreator = await listAuditLogs(ctx, { limit: 50, actor: 'test:creator', action: 'batch.created' });
    expect(byCreator.items).toHaveLength(3);
    const future = await listAuditLogs(ctx, { limit: 50, from: new Date(Date.now() + 60_000) });
    expect(future.items).toEqual([]);
    const firstPage = await listAuditLogs(ctx, { limit: 4 });
    const secondPage = await listAuditLogs(ctx, { limit: 4, cursor: firstPage.nextCursor ?? '' });
    const ids = [...firstPage.items, ...secondPage.items].map((a) => a.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
