import { Prisma } from '@payouts/db';
import type { CoreDeps } from '../deps.ts';
import { sumUsd } from '../money.ts';
import { listPayableAffiliates, type PayableAffiliate } from './payable-affiliates.ts';
import { computePlanHash, type PayableFilter, selectPayableCommissions } from './payable-commissions.ts';

export interface PayoutPreview {
  affiliates: PayableAffiliate[];
  summary: {
    totalAffiliates: number;
    eligibleAffiliates: number;
    commissionCount: number;
    totalAmount: string;
    batchCount: number;
  };
  /** Pass to batch creation to refuse it if what would be paid has changed since. */
  planHash: string;
}

/** What creating batches now would do, without writing anything. */
export async function previewPayouts(
  deps: CoreDeps,
  filter: PayableFilter & { maxBatchSize: number },
): Promise<PayoutPreview> {
  // One snapshot for both reads, so the report and the plan hash describe the same moment.
  return deps.db.$transaction(
    async (tx) => {
      const affiliates = await listPayableAffiliates({ db: tx }, filter);
      const commissions = await selectPayableCommissions(tx, filter, { lock: false });
      const eligible = affiliates.filter((a) => a.eligible);
      return {
        affiliates,
        summary: {
          totalAffiliates: affiliates.length,
          eligibleAffiliates: eligible.length,
          commissionCount: commissions.length,
          totalAmount: sumUsd(commissions.map((c) => c.amount)),
          batchCount: Math.ceil(commissions.length / filter.maxBatchSize),
        },
        planHash: computePlanHash(commissions),
      };
    },
    { isolationLevel: Prisma.TransactionIsolationLevel.RepeatableRead },
  );
}
