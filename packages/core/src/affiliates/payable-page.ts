import type { CoreDeps } from '../deps.ts';
import { DomainError } from '../errors.ts';
import { decodeCursor, encodeCursor } from '../paging.ts';
import {
  type PayableAffiliate,
  type PayableAffiliatesSummary,
  selectPayableAffiliatesPage,
} from '../payables/payable-affiliates.ts';

export interface PayableAffiliatesPage {
  items: PayableAffiliate[];
  nextCursor: string | null;
  /** Over every affiliate with open commissions, not only this page. */
  summary: PayableAffiliatesSummary;
}

/**
 * Everyone with open commissions (oldest open commission first), one page of them, and an exact summary
 * over all of them. The cursor is the (oldest commission date, affiliate id) of the last item.
 */
export async function pagePayableAffiliates(
  deps: CoreDeps,
  query: { minPayout: string; limit: number; cursor?: string },
): Promise<PayableAffiliatesPage> {
  const after = query.cursor ? decodeCursor(query.cursor) : undefined;
  if (!Number.isSafeInteger(query.limit) || query.limit < 1) {
    throw new DomainError('VALIDATION_FAILED', 'limit must be a positive integer');
  }
  // One row more than the page: it only says whether there is a next page.
  const { affiliates, summary } = await selectPayableAffiliatesPage(deps, {
    minPayout: query.minPayout,
    take: query.limit + 1,
    after,
  });
  const items = affiliates.slice(0, query.limit);
  const last = items.at(-1);
  const nextCursor =
    affiliates.length > query.limit && last
      ? encodeCursor({ createdAt: last.oldestCommissionAt, id: last.affiliateId })
      : null;
  return { items, nextCursor, summary };
}
