import type { CoreDeps } from '../deps.ts';
import { DomainError } from '../errors.ts';
import { sumUsd } from '../money.ts';
import { decodeCursor, encodeCursor } from '../paging.ts';
import { listPayableAffiliates, type PayableAffiliate } from '../payables/payable-affiliates.ts';

export interface PayableAffiliatesPage {
  items: PayableAffiliate[];
  nextCursor: string | null;
  /** Over every affiliate with open commissions, not only this page. */
  summary: { totalAffiliates: number; totalPendingAmount: string; readyForPayout: number };
}

/**
 * Everyone with open commissions (oldest open commission first), one page of them, and an exact summary
 * over all of them. The cursor is the (oldest commission date, affiliate id) of the last item.
 */
export async function pagePayableAffiliates(
  deps: CoreDeps,
  query: { minPayout: string; limit: number; cursor?: string },
): Promise<PayableAffiliatesPage> {
  const all = (await listPayableAffiliates(deps, { minPayout: query.minPayout })).sort((a, b) => {
    const byTime = a.oldestCommissionAt.getTime() - b.oldestCommissionAt.getTime();
    if (byTime !== 0) return byTime;
    return a.affiliateId < b.affiliateId ? -1 : a.affiliateId > b.affiliateId ? 1 : 0;
  });
  const summary = {
    totalAffiliates: all.length,
    totalPendingAmount: sumUsd(all.map((a) => a.pendingAmount)),
    readyForPayout: all.filter((a) => a.eligible).length,
  };
  let start = 0;
  if (query.cursor) {
    const after = decodeCursor(query.cursor);
    const at = after.createdAt.getTime();
    start = all.findIndex((a) => {
      const t = a.oldestCommissionAt.getTime();
      return t > at || (t === at && a.affiliateId > after.id);
    });
    if (start < 0) start = all.length;
  }
  if (!Number.isSafeInteger(query.limit) || query.limit < 1) {
    throw new DomainError('VALIDATION_FAILED', 'limit must be a positive integer');
  }
  const items = all.slice(start, start + query.limit);
  const last = items.at(-1);
  const nextCursor =
    start + query.limit < all.length && last
      ? encodeCursor({ createdAt: last.oldestCommissionAt, id: last.affiliateId })
      : null;
  return { items, nextCursor, summary };
}
