import { RiseWorksKycStatus } from '@payouts/db';
import { z } from 'zod';
import { dateTime, nextCursor } from './response-fields.ts';

// Success bodies of riseworks.routes.ts; the payout account is part of an affiliate's answer too.

export const kycStatus = z.enum(RiseWorksKycStatus);

/** A payout (RiseWorks) account. */
export const payoutAccount = z.object({
  id: z.string(),
  affiliateProfileId: z.string(),
  riseId: z.string(),
  email: z.string(),
  kycStatus,
  kycCompletedAt: dateTime.nullable(),
  lastSyncAt: dateTime.nullable(),
  createdAt: dateTime,
  updatedAt: dateTime,
});

/** A payout account inside its affiliate's answer. */
export const affiliatePayoutAccount = payoutAccount.omit({ affiliateProfileId: true });

export const accountListAnswer = z
  .object({
    accounts: z.array(
      payoutAccount.extend({
        affiliateProfile: z.object({ fullName: z.string(), user: z.object({ email: z.string() }) }),
      }),
    ),
    nextCursor,
  })
  .describe('A page of payout accounts');

export const createdAccountAnswer = z.object({ account: payoutAccount }).describe('The payout account');
