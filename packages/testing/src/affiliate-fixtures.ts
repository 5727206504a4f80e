import { randomUUID } from 'node:crypto';
import { type CommissionStatus, type Db, Prisma, type RiseWorksKycStatus } from '@payouts/db';

export interface AffiliateSpec {
  /** Commission amounts as decimal strings, e.g. ['60.00', '12.34']. */
  commissions: string[];
  commissionStatus?: CommissionStatus;
  /** The payout account's KYC state; null for no payout account. */
  kyc?: RiseWorksKycStatus | null;
}

export interface InsertedAffiliate {
  affiliateId: string;
  riseId: string | null;
  commissionIds: string[];
}

/** Writes one affiliate (user, profile, code, payout account, commissions) for a test. */
export async function insertAffiliate(db: Db, spec: AffiliateSpec): Promise<InsertedAffiliate> {
  const n = randomUUID().slice(0, 8);
  const user = await db.user.create({ data: { email: `aff-${n}@example.test`, name: `Affiliate ${n}` } });
  const profile = await db.affiliateProfile.create({
    data: { userId: user.id, fullName: `Affiliate ${n}`, country: 'US' },
  });
  const code = await db.affiliateCode.create({ data: { affiliateProfileId: profile.id, code: `CODE-${n}` } });
  const kyc = spec.kyc === undefined ? 'APPROVED' : spec.kyc;
  const riseId = kyc ? `rise_${n}` : null;
  if (kyc && riseId) {
    await db.affiliateRiseAccount.create({
      data: { affiliateProfileId: profile.id, riseId, email: user.email, kycStatus: kyc },
    });
  }
  const commissionIds: string[] = [];
  for (const amount of spec.commissions) {
    const commission = await db.commission.create({
      data: {
        affiliateProfileId: profile.id,
        affiliateCodeId: code.id,
        userId: `customer-${randomUUID().slice(0, 8)}`,
        grossRevenue: amount,
        discountAmount: '0.00',
        netRevenue: amount,
        commissionAmount: amount,
        status: spec.commissionStatus ?? 'APPROVED',
      },
    });
    commissionIds.push(commission.id);
  }
  const total = spec.commissions.reduce((sum, amount) => sum.plus(amount), new Prisma.Decimal(0));
  const status = spec.commissionStatus ?? 'APPROVED';
  await db.affiliateProfile.update({
    where: { id: profile.id },
    data: status === 'PAID' ? { paidCommissions: total } : status === 'CANCELLED' ? {} : { pendingCommissions: total },
  });
  return { affiliateId: profile.id, riseId, commissionIds };
}

/** Empties every business table (API keys stay): each test starts from no affiliates and no payments. */
export async function resetBusinessData(db: Db): Promise<void> {
  await db.$executeRaw`TRUNCATE "DisbursementAuditLog", "RiseWorksWebhookEvent", "DisbursementTransaction",
    "PaymentBatch", "MockProviderPayment", "Commission", "AffiliateCode", "AffiliateRiseAccount", "AffiliateProfile",
    "User", "IdempotencyRecord", "JobRequest", "PayoutSchedule" CASCADE`;
}
