import type { RiseWorksKycStatus } from '@payouts/db';

// The members the Rise sandbox needs to know our payees: one per payout account, its onboarding state
// matching the account's KYC state, so that the sandbox pays exactly whom the API calls payable.

export type OnboardingStatus = 'pending' | 'submitted' | 'approved' | 'rejected' | 'expired';

/** A member as the sandbox takes it (RISE_SANDBOX_MEMBERS or POST /sandbox/members). */
export interface SandboxMember {
  nanoid: string;
  email: string;
  onboarding_status: OnboardingStatus;
  can_receive_payments: boolean;
}

export interface PayoutAccountOfPayee {
  riseId: string;
  email: string;
  kycStatus: RiseWorksKycStatus;
}

const onboardingStatusByKyc: Record<RiseWorksKycStatus, OnboardingStatus> = {
  PENDING: 'pending',
  SUBMITTED: 'submitted',
  APPROVED: 'approved',
  REJECTED: 'rejected',
  EXPIRED: 'expired',
};

/** What Rise accepts as a user nanoid: `us-` and 12 characters. */
const riseUserNanoid = /^us-[0-9A-Za-z_-]{12}$/;

/**
 * Sandbox members for payout accounts (seeded or read back from the database). Accounts whose riseId
 * is not a Rise user nanoid (data seeded before riseIds were nanoids) cannot be members: they are
 * returned in `skipped`.
 */
export function sandboxMembersOf(accounts: readonly PayoutAccountOfPayee[]): {
  members: SandboxMember[];
  skipped: string[];
} {
  const members: SandboxMember[] = [];
  const skipped: string[] = [];
  for (const account of accounts) {
    if (!riseUserNanoid.test(account.riseId)) {
      skipped.push(account.riseId);
      continue;
    }
    members.push({
      nanoid: account.riseId,
      email: account.email,
      onboarding_status: onboardingStatusByKyc[account.kycStatus],
      can_receive_payments: account.kycStatus === 'APPROVED',
    });
  }
  return { members, skipped };
}
