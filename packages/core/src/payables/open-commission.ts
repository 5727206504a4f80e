import { Prisma } from '@payouts/db';

/**
 * The one definition of an open commission: APPROVED and in no live transaction (no transaction holds
 * its id in "liveCommissionId"), so the next batch may pay it. A WHERE condition over "Commission" as `c`.
 */
export const isOpenCommission = Prisma.sql`(c."status" = 'APPROVED'
  AND NOT EXISTS (SELECT 1 FROM "DisbursementTransaction" t WHERE t."liveCommissionId" = c."id"))`;
