import type { Db } from '@payouts/db';

/**
 * Many payable affiliates at once, in set-based SQL (for benchmarks): each with an APPROVED payout
 * account and `perAffiliate` APPROVED commissions of 10.00-19.99, whose total reaches 50.00 when
 * perAffiliate >= 5. Ids are readable and deterministic: aff_<n>, com_<n>_<m>, rise_<n>.
 */
export async function insertPayableAffiliates(db: Db, affiliates: number, perAffiliate: number): Promise<void> {
  await db.$executeRaw`
    INSERT INTO "User" ("id", "email") SELECT 'usr_' || g, 'aff' || g || '@example.test'
    FROM generate_series(1, ${affiliates}) g`;
  await db.$executeRaw`
    INSERT INTO "AffiliateProfile" ("id", "userId", "fullName", "country")
    SELECT 'aff_' || g, 'usr_' || g, 'Affiliate ' || g, 'US' FROM generate_series(1, ${affiliates}) g`;
  await db.$executeRaw`
    INSERT INTO "AffiliateCode" ("id", "affiliateProfileId", "code")
    SELECT 'code_' || g, 'aff_' || g, 'CODE' || g FROM generate_series(1, ${affiliates}) g`;
  await db.$executeRaw`
    INSERT INTO "AffiliateRiseAccount" ("id", "affiliateProfileId", "riseId", "email", "kycStatus")
    SELECT 'acct_' || g, 'aff_' || g, 'rise_' || g, 'aff' || g || '@example.test', 'APPROVED'
    FROM generate_series(1, ${affiliates}) g`;
  await db.$executeRaw`
    INSERT INTO "Commission" ("id", "affiliateProfileId", "affiliateCodeId", "userId", "grossRevenue",
                              "discountAmount", "netRevenue", "commissionAmount", "status")
    SELECT 'com_' || a || '_' || c, 'aff_' || a, 'code_' || a, 'cus_' || a || '_' || c,
           100, 0, 100, 10 + ((a * 31 + c * 17) % 1000) / 100.0, 'APPROVED'
    FROM generate_series(1, ${affiliates}) a, generate_series(1, ${perAffiliate}) c`;
  await db.$executeRaw`
    UPDATE "AffiliateProfile" p SET "pendingCommissions" = s."total"
    FROM (SELECT "affiliateProfileId", sum("commissionAmount") AS "total" FROM "Commission" GROUP BY 1) s
    WHERE p."id" = s."affiliateProfileId"`;
}
