import { makeMockProvider } from '@payouts/providers';
import { findInvariantViolations, insertAffiliate, makeTestContext, type TestContext } from '@payouts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncPayoutAccounts } from '../src/affiliates/sync-payout-accounts.ts';

describe('payout account sync', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await makeTestContext();
  });
  afterAll(async () => {
    expect(await findInvariantViolations(ctx.db)).toEqual([]);
    await ctx?.cleanup();
  });

  it("records each account's KYC state as the provider reports it, audited, and when it was synced", async () => {
    const pending = await insertAffiliate(ctx.db, { commissions: ['10.00'], kyc: 'PENDING' });
    const refused = await insertAffiliate(ctx.db, { commissions: ['10.00'], kyc: 'APPROVED' });
    const unchanged = await insertAffiliate(ctx.db, { commissions: ['10.00'], kyc: 'APPROVED' });
    // The mock provider approves every payee but those scripted to be refused.
    const provider = makeMockProvider({
      db: ctx.db,
      faults: { seed: 1, byPayee: { [refused.riseId ?? '']: 'permanent' } },
    });

    const report = await syncPayoutAccounts({ db: ctx.db, provider }, { actor: 'test:sync' });
    expect(report).toEqual({ checked: 3, changed: 2, failed: 0 });

    const accounts = await ctx.db.affiliateRiseAccount.findMany();
    const kycOf = (riseId: string | null) => accounts.find((a) => a.riseId === riseId)?.kycStatus;
    expect([kycOf(pending.riseId), kycOf(refused.riseId), kycOf(unchanged.riseId)]).toEqual([
      'APPROVED',
      'REJECTED',
      'APPROVED',
    ]);
    expect(accounts.every((a) => a.lastSyncAt !== null)).toBe(true);
    const audits = await ctx.db.disbursementAuditLog.findMany({ where: { action: 'payout_account.kyc_changed' } });
    expect(audits.map((a) => `${a.fromStatus}->${a.toStatus}`).sort()).toEqual([
      'APPROVED->REJECTED',
      'PENDING->APPROVED',
    ]);
  });
});
