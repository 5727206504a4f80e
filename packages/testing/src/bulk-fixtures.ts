import type { Db } from '@payouts/db';

/**
 * Many payable affiliates at once, in set-based SQL (for benchmarks): each with an APPROVED payout
 * account and `perAffiliate` APPROVED commissions of 10.00-19.99, whose total reaches 50.00 when
 * perAffiliate >= 5. Ids are readable and deterministic: aff_<n>, com_<n>_<m>, rise_<n>, with n from
 * `firstId` (1): a later call adds more affiliates by starting after the ones before.
 */
export async function insertPayableAffiliates(
  db: Db,
  affiliates: number,
  perAffiliate: number,
  { firstId = 1 }: { firstId?: number } = {},
): Promise<void> {
  const last = firstId + affiliates - 1;
  await db.$executeRaw`
    INSERT INTO "User" ("id", "email") SELECT 'usr_' || g, 'aff' || g || '@example.test'
    FROM generate_series(${firstId}::int, ${last}::int) g`;
  await db.$executeRaw`
    INSERT INTO "AffiliateProfile" ("id", "userId", "fullName", "country")
    SELECT 'aff_' || g, 'usr_' || g, 'Affiliate ' || g, 'US' FROM generate_series(${firstId}::int, ${last}::int) g`;
  await db.$executeRaw`
    INSERT INTO "AffiliateCode" ("id", "affiliateProfileId", "code")
    SELECT 'code_' || g, 'aff_' || g, 'CODE' || g FROM generate_series(${firstId}::int, ${last}::int) g`;
  await db.$executeRaw`
    INSERT INTO "AffiliateRiseAccount" ("id", "affiliateProfileId", "riseId", "email", "kycStatus")
    SELECT 'acct_' || g, 'aff_' || g, 'rise_' || g, 'aff' || g || '@example.test', 'APPROVED'
    FROM generate_series(${firstId}::int, ${last}::int) g`;
  await db.$executeRaw`
    INSERT INTO "Commission" ("id", "affiliateProfileId", "affiliateCodeId", "userId", "grossRevenue",
                              "discountAmount", "netRevenue", "commissionAmount", "status")
    SELECT 'com_' || a || '_' || c, 'aff_' || a, 'code_' || a, 'cus_' || a || '_' || c,
           100, 0, 100, 10 + ((a * 31 + c * 17) % 1000) / 100.0, 'APPROVED'
    FROM generate_series(${firstId}::int, ${last}::int) a, generate_series(1, ${perAffiliate}) c`;
  await db.$executeRaw`
    UPDATE "AffiliateProfile" p SET "pendingCommissions" = s."total"
    FROM (SELECT "affiliateProfileId", sum("commissionAmount") AS "total" FROM "Commission"
          WHERE "affiliateProfileId" IN (SELECT 'aff_' || g FROM generate_series(${firstId}::int, ${last}::int) g)
          GROUP BY 1) s
    WHERE p."id" = s."affiliateProfileId"`;
}

/**
 * More APPROVED commissions for affiliates that insertPayableAffiliates wrote, as an upstream system
 * would keep approving them: `perAffiliate` each (numbered after the ones of earlier rounds, so ids stay
 * unique and deterministic: com_<n>_<m>), of 10.00-19.99, added to the affiliate's pending total.
 */
export async function insertApprovedCommissions(
  db: Db,
  affiliates: readonly number[],
  perAffiliate: number,
  round: number,
): Promise<void> {
  if (affiliates.length === 0) return;
  const first = round * perAffiliate + 1;
  await db.$executeRaw`
    WITH inserted AS (
      INSERT INTO "Commission" ("id", "affiliateProfileId", "affiliateCodeId", "userId", "grossRevenue",
                                "discountAmount", "netRevenue", "commissionAmount", "status")
      SELECT 'com_' || a || '_' || c, 'aff_' || a, 'code_' || a, 'cus_' || a || '_' || c,
             100, 0, 100, 10 + ((a * 31 + c * 17) % 1000) / 100.0, 'APPROVED'
      FROM unnest(${[...affiliates]}::int[]) a, generate_series(${first}::int, ${first + perAffiliate - 1}::int) c
      RETURNING "affiliateProfileId", "commissionAmount")
    UPDATE "AffiliateProfile" p SET "pendingCommissions" = p."pendingCommissions" + s."total"
    FROM (SELECT "affiliateProfileId", sum("commissionAmount") AS "total" FROM inserted GROUP BY 1) s
    WHERE p."id" = s."affiliateProfileId"`;
}
