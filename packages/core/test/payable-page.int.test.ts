import { insertAffiliate, makeTestContext, resetBusinessData, type TestContext } from '@payouts/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pagePayableAffiliates } from '../src/affiliates/payable-page.ts';
import { sumUsd } from '../src/money.ts';
import { encodeCursor } from '../src/paging.ts';
import { listPayableAffiliates, type PayableAffiliate } from '../src/payables/payable-affiliates.ts';

const minPayout = '50.00';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await makeTestContext();
});
afterAll(async () => ctx?.cleanup());
beforeEach(async () => resetBusinessData(ctx.db));

/** Every page, following nextCursor from the first. */
async function walkPages(limit: number) {
  const pages = [];
  let cursor: string | undefined;
  do {
    const page = await pagePayableAffiliates(ctx, { minPayout, limit, cursor });
    pages.push(page);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return pages;
}

/** Oldest open commission first, then the affiliate id as JS compares strings: the cursor's order. */
function byCursorOrder(a: PayableAffiliate, b: PayableAffiliate): number {
  const byTime = a.oldestCommissionAt.getTime() - b.oldestCommissionAt.getTime();
  if (byTime !== 0) return byTime;
  return a.affiliateId < b.affiliateId ? -1 : a.affiliateId > b.affiliateId ? 1 : 0;
}

describe('payable affiliates, page by page', () => {
  it('pages through exactly the full list in cursor order, with the summary over everyone on every page', async () => {
    await insertAffiliate(ctx.db, { commissions: ['30.00', '25.50', '0.01'] });
    await insertAffiliate(ctx.db, { commissions: ['49.99'] });
    await insertAffiliate(ctx.db, { commissions: ['100.00'], kyc: 'PENDING' });
    await insertAffiliate(ctx.db, { commissions: ['75.00'], kyc: null });
    await insertAffiliate(ctx.db, { commissions: ['50.00'] });
    await insertAffiliate(ctx.db, { commissions: ['12.34', '80.00'] });
    await insertAffiliate(ctx.db, { commissions: ['500.00'], commissionStatus: 'PAID' });
    await insertAffiliate(ctx.db, { commissions: ['500.00'], commissionStatus: 'PENDING' });
    // Ties on the oldest commission date: the affiliate id decides the order.
    await ctx.db.$executeRaw`UPDATE "Commission" SET "createdAt" = '2026-01-01 00:00:00'
      WHERE "commissionAmount" IN (49.99, 100.00, 50.00, 12.34)`;

    const everyone = await listPayableAffiliates(ctx, { minPayout });
    expect(everyone).toHaveLength(6);
    expect(everyone).toEqual([...everyone].sort(byCursorOrder));
    const summary = {
      totalAffiliates: 6,
      totalPendingAmount: sumUsd(everyone.map((a) => a.pendingAmount)),
      readyForPayout: everyone.filter((a) => a.eligible).length,
    };
    expect(summary).toEqual({ totalAffiliates: 6, totalPendingAmount: '422.84', readyForPayout: 3 });

    for (const limit of [1, 2, 4, 6, 200]) {
      const pages = await walkPages(limit);
      expect(pages, `limit ${limit}`).toHaveLength(Math.ceil(6 / limit));
      expect(pages.flatMap((page) => page.items)).toEqual(everyone);
      for (const page of pages) expect(page.summary).toEqual(summary);
    }
  });

  it('answers an empty page and zero totals when nobody has open commissions, or after the last one', async () => {
    expect(await pagePayableAffiliates(ctx, { minPayout, limit: 50 })).toEqual({
      items: [],
      nextCursor: null,
      summary: { totalAffiliates: 0, totalPendingAmount: '0.00', readyForPayout: 0 },
    });

    await insertAffiliate(ctx.db, { commissions: ['60.00'] });
    const pastTheEnd = encodeCursor({ createdAt: new Date('9999-12-31T23:59:59.999Z'), id: 'zzz' });
    expect(await pagePayableAffiliates(ctx, { minPayout, limit: 50, cursor: pastTheEnd })).toEqual({
      items: [],
      nextCursor: null,
      summary: { totalAffiliates: 1, totalPendingAmount: '60.00', readyForPayout: 1 },
    });
  });
});
