import type { PaymentProvider } from '@payouts/providers';
import { writeAudit } from '../audit.ts';
import type { Actor, CoreDeps } from '../deps.ts';

export interface AccountSyncReport {
  checked: number;
  changed: number;
  failed: number;
}

/**
 * Asks the provider for every payout account's KYC state and records it: lastSyncAt always, the KYC
 * state (compare-and-set on the state we read, with its audit row) when it changed.
 */
export async function syncPayoutAccounts(
  deps: CoreDeps & { provider: PaymentProvider },
  who: Actor,
): Promise<AccountSyncReport> {
  const accounts = await deps.db.affiliateRiseAccount.findMany({ select: { id: true, riseId: true, kycStatus: true } });
  const report: AccountSyncReport = { checked: 0, changed: 0, failed: 0 };
  for (const account of accounts) {
    let status: Awaited<ReturnType<PaymentProvider['getPayeeStatus']>>;
    try {
      status = await deps.provider.getPayeeStatus(account.riseId);
    } catch {
      report.failed++;
      continue;
    }
    report.checked++;
    await deps.db.$transaction(async (tx) => {
      const now = new Date();
      if (status.kycStatus === account.kycStatus) {
        await tx.affiliateRiseAccount.update({ where: { id: account.id }, data: { lastSyncAt: now } });
        return;
      }
      const updated = await tx.affiliateRiseAccount.updateMany({
        where: { id: account.id, kycStatus: account.kycStatus },
        data: {
          kycStatus: status.kycStatus,
          lastSyncAt: now,
          ...(status.kycStatus === 'APPROVED' ? { kycCompletedAt: now } : {}),
        },
      });
      if (updated.count === 0) return;
      report.changed++;
      await writeAudit(tx, who, {
        action: 'payout_account.kyc_changed',
        status: 'INFO',
        fromStatus: account.kycStatus,
        toStatus: status.kycStatus,
        details: { accountId: account.id, riseId: account.riseId },
      });
    });
  }
  return report;
}
