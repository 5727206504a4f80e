import type { Prisma } from '@payouts/db';
import { writeAudit } from '../audit.ts';
import type { Actor } from '../deps.ts';
import type { ApplyOutcome } from './payment-events.ts';

type Tx = Prisma.TransactionClient;

export interface PayeeJoined {
  inviteId: string | null;
  /** The provider's id of the new payee (Rise user nanoid): the payout account's riseId. */
  payeeId: string;
  email: string;
  eventId: string;
}

/**
 * An invited payee accepted (Rise invite.accepted). The payout account with that payee id is updated;
 * else the affiliate whose user has that e-mail gets one (KYC PENDING until the next account sync). An
 * affiliate already linked to another payee id is a conflict: re-pointing payments is an operator's call.
 */
export async function applyPayeeJoined(tx: Tx, joined: PayeeJoined, who: Actor): Promise<ApplyOutcome> {
  const details = { riseId: joined.payeeId, email: joined.email, inviteId: joined.inviteId, eventId: joined.eventId };
  const linked = await tx.affiliateRiseAccount.findUnique({ where: { riseId: joined.payeeId } });
  if (linked) {
    if (linked.email === joined.email) return { status: 'IGNORED', message: 'the payout account is linked already' };
    // Compare-and-set on the e-mail read: a concurrent change makes this event try again.
    const updated = await tx.affiliateRiseAccount.updateMany({
      where: { id: linked.id, email: linked.email },
      data: { email: joined.email },
    });
    if (updated.count !== 1) throw new Error(`payout account ${linked.id} changed meanwhile`);
    await writeAudit(tx, who, {
      action: 'payout_account.updated',
      status: 'INFO',
      details: { ...details, accountId: linked.id, previousEmail: linked.email },
    });
    return { status: 'APPLIED', message: 'payout account e-mail updated' };
  }

  const profiles = await tx.affiliateProfile.findMany({
    where: { user: { email: { equals: joined.email, mode: 'insensitive' } } },
    select: { id: true, riseAccount: { select: { id: true, riseId: true } } },
    take: 2,
  });
  const [profile, another] = profiles;
  if (!profile) return { status: 'IGNORED', message: 'no affiliate has this e-mail' };
  if (another) return { status: 'CONFLICT', message: 'more than one affiliate has this e-mail' };
  if (profile.riseAccount) {
    return {
      status: 'CONFLICT',
      message: `the affiliate is linked to payee ${profile.riseAccount.riseId} already, not ${joined.payeeId}`,
    };
  }
  const account = await tx.affiliateRiseAccount.create({
    data: { affiliateProfileId: profile.id, riseId: joined.payeeId, email: joined.email, kycStatus: 'PENDING' },
  });
  await writeAudit(tx, who, {
    action: 'payout_account.created',
    status: 'SUCCESS',
    toStatus: account.kycStatus,
    details: { ...details, accountId: account.id, affiliateProfileId: profile.id },
  });
  return { status: 'APPLIED', message: 'payout account linked' };
}
