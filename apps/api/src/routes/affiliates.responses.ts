import { ineligibleReasons } from '@payouts/core';
import { CommissionStatus } from '@payouts/db';
import { z } from 'zod';
import { createdBatch } from './batches.responses.ts';
import { amount, count, dateTime, isoDateTime, nextCursor } from './response-fields.ts';
import { affiliatePayoutAccount, kycStatus } from './riseworks.responses.ts';

// Success bodies of affiliates.routes.ts.

export const payableAffiliate = z.object({
  id: z.string(),
  fullName: z.string(),
  email: z.string(),
  country: z.string(),
  pendingAmount: amount.describe('Open commissions: APPROVED and in no live transaction'),
  paidAmount: amount,
  pendingCommissionCount: count,
  oldestPendingDate: isoDateTime,
  readyForPayout: z.boolean(),
  reason: z.enum(ineligibleReasons).nullable().describe('Why the affiliate is not payable now; null when it is'),
  riseAccount: z.object({
    hasAccount: z.boolean(),
    riseId: z.string().nullable(),
    kycStatus: kycStatus.nullable(),
    canReceivePayments: z.boolean(),
  }),
});

export const payableAffiliatesAnswer = z
  .object({
    affiliates: z.array(payableAffiliate),
    summary: z
      .object({ totalAffiliates: count, totalPendingAmount: amount, readyForPayout: count })
      .describe('Over every affiliate with open commissions, not only this page'),
    nextCursor,
  })
  .describe('A page of affiliates with open commissions');

/** An APPROVED commission in no live transaction. */
export const openCommission = z.object({
  id: z.string(),
  affiliateProfileId: z.string(),
  affiliateCodeId: z.string(),
  affiliateCode: z.object({ code: z.string() }),
  userId: z.string(),
  subscriptionId: z.string().nullable(),
  grossRevenue: amount,
  discountAmount: amount,
  netRevenue: amount,
  commissionAmount: amount,
  status: z.enum(CommissionStatus),
  createdAt: dateTime,
  updatedAt: dateTime,
});

export const affiliateAnswer = z
  .object({
    affiliate: z.object({
      id: z.string(),
      fullName: z.string(),
      email: z.string(),
      country: z.string(),
      totalPending: amount.describe('Sum of the open commissions'),
      totalPaid: amount,
      riseAccount: affiliatePayoutAccount.nullable(),
      pendingCommissions: z.array(openCommission).describe('The newest open commissions, at most 200'),
    }),
  })
  .describe('The affiliate');

export const commissionsAnswer = z
  .object({
    commissions: z.array(openCommission),
    summary: z.object({ count, totalAmount: amount }).describe('Over every open commission, not only this page'),
    nextCursor,
  })
  .describe("A page of the affiliate's open commissions");

export const affiliatePayoutAnswer = z
  .object({
    // Always there (a payout makes at least one batch); optional only because the handler takes it from a list.
    batch: createdBatch.optional().describe('The first of `batches`'),
    batches: z.array(createdBatch),
    jobId: z.string().optional().describe('With execute: the first execute job'),
    jobIds: z.array(z.string()).optional().describe('With execute: one execute job per batch'),
  })
  .describe('The batch (more than MAX_BATCH_SIZE commissions make several) and, with execute, its jobs');
