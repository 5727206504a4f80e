// A payee's onboarding state and the team's balance, as Rise reports them.
import type { PayeeStatus } from '../payment-provider.ts';
import { ProviderPermanentError, ProviderTransientError } from '../provider-errors.ts';
import type { RiseClient } from './rise-client.ts';
import { balanceSchema, memberSummarySchema } from './rise-contract.ts';

export interface RisePayeesDeps {
  client: RiseClient;
  teamNanoid: string;
}

const kycStatusByOnboardingStatus: Record<string, PayeeStatus['kycStatus']> = {
  pending: 'PENDING',
  submitted: 'SUBMITTED',
  approved: 'APPROVED',
  rejected: 'REJECTED',
  expired: 'EXPIRED',
};

export async function getRisePayeeStatus(deps: RisePayeesDeps, payeeId: string): Promise<PayeeStatus> {
  // A 404 (no such member of the team) is a permanent error through the error mapping.
  const data = await deps.client.call('read', {
    method: 'GET',
    path: `/v2/teams/${encodeURIComponent(deps.teamNanoid)}/member/${encodeURIComponent(payeeId)}/summary`,
  });
  const member = memberSummarySchema.safeParse(data);
  const kycStatus = member.success
    ? kycStatusByOnboardingStatus[member.data.onboarding_status.toLowerCase()]
    : undefined;
  if (!member.success || !kycStatus) throw new ProviderTransientError('Rise member summary: unexpected answer');
  if (member.data.nanoid !== payeeId) throw new ProviderPermanentError('Rise member summary: another member answered');
  return { payeeId, kycStatus, canReceivePayments: member.data.can_receive_payments };
}

/** The team's balance in integer cents: the probe that tells when paying may resume. */
export async function getRiseBalanceCents(deps: RisePayeesDeps): Promise<number> {
  const data = await deps.client.call('read', {
    method: 'GET',
    path: '/v2/balance',
    query: { nanoid: deps.teamNanoid },
  });
  const balance = balanceSchema.safeParse(data);
  if (!balance.success) throw new ProviderTransientError('Rise GET /v2/balance: unexpected answer');
  return balance.data.balance_cents;
}
