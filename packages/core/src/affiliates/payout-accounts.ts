import { type AffiliateRiseAccount, Prisma } from '@payouts/db';
import { writeAudit } from '../audit.ts';
import type { Actor, CoreDeps } from '../deps.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import { decodeCursor, type Page, type PageRequest, toPage } from '../paging.ts';

/** A payout account as the API shows it (its provider metadata stays inside). */
export type PayoutAccountRecord = Omit<AffiliateRiseAccount, 'metadata'>;

export interface PayoutAccountListItem extends PayoutAccountRecord {
  affiliateProfile: { fullName: string; user: { email: string } };
}

const accountSelect = {
  id: true,
  affiliateProfileId: true,
  riseId: true,
  email: true,
  kycStatus: true,
  kycCompletedAt: true,
  lastSyncAt: true,
  createdAt: true,
  updatedAt: true,
} as const satisfies Prisma.AffiliateRiseAccountSelect;

/** A payout account as an affiliate's details show it: without the affiliate it belongs to. */
export type PayoutAccountDetails = Omit<PayoutAccountRecord, 'affiliateProfileId'>;
const { affiliateProfileId: _affiliateProfileId, ...detailsSelect } = accountSelect;
export const payoutAccountDetailsSelect = detailsSelect;

/** Payout (RiseWorks) accounts with their affiliate's name and e-mail, newest first, keyset paged. */
export async function listPayoutAccounts(deps: CoreDeps, page: PageRequest): Promise<Page<PayoutAccountListItem>> {
  const after = page.cursor ? decodeCursor(page.cursor) : undefined;
  const rows = await deps.db.affiliateRiseAccount.findMany({
    where: after
      ? { OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] }
      : {},
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: page.limit + 1,
    select: { ...accountSelect, affiliateProfile: { select: { fullName: true, user: { select: { email: true } } } } },
  });
  return toPage(rows, page.limit);
}

export interface CreatePayoutAccountInput {
  affiliateProfileId: string;
  riseId: string;
  email: string;
}

/**
 * A payout account for an affiliate, KYC PENDING, with its audit row in the same DB transaction.
 * NOT_FOUND for an unknown affiliate; CONFLICT when the affiliate or the riseId already has an account
 * (checked first for a clear message; the unique constraints decide races).
 */
export async function createPayoutAccount(
  deps: CoreDeps,
  input: CreatePayoutAccountInput,
  who: Actor,
): Promise<PayoutAccountRecord> {
  try {
    return await deps.db.$transaction(async (tx) => {
      const profile = await tx.affiliateProfile.count({ where: { id: input.affiliateProfileId } });
      if (profile === 0) throw new NotFoundError('affiliate', input.affiliateProfileId);
      const existing = await tx.affiliateRiseAccount.findFirst({
        where: { OR: [{ affiliateProfileId: input.affiliateProfileId }, { riseId: input.riseId }] },
        select: { id: true, affiliateProfileId: true, riseId: true },
      });
      if (existing) throw conflict(existing.affiliateProfileId === input.affiliateProfileId ? 'affiliate' : 'riseId');
      const account = await tx.affiliateRiseAccount.create({
        data: {
          affiliateProfileId: input.affiliateProfileId,
          riseId: input.riseId,
          email: input.email,
          kycStatus: 'PENDING',
        },
        select: accountSelect,
      });
      await writeAudit(tx, who, {
        action: 'payout_account.created',
        status: 'SUCCESS',
        toStatus: account.kycStatus,
        details: {
          accountId: account.id,
          affiliateProfileId: account.affiliateProfileId,
          riseId: account.riseId,
          email: account.email,
        },
      });
      return account;
    });
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
      const target = JSON.stringify(error.meta ?? {});
      throw conflict(target.includes('riseId') ? 'riseId' : 'affiliate');
    }
    throw error;
  }
}

function conflict(which: 'affiliate' | 'riseId'): ConflictError {
  return which === 'affiliate'
    ? new ConflictError('this affiliate already has a payout account', { field: 'affiliateProfileId' })
    : new ConflictError('this riseId already belongs to a payout account', { field: 'riseId' });
}
