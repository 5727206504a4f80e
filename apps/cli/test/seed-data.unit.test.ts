import { describe, expect, it } from 'vitest';
import { decimalToCents } from '../src/seed/money.ts';
import {
  generateSeedChunks,
  generateSeedData,
  SEED_ARCHETYPES,
  type SeedData,
  seedOptions,
} from '../src/seed/seed-data.generator.ts';
import { countedInto, emptySeedSummary } from '../src/seed/seed-summary.ts';

const defaults = { affiliates: 24, commissionsPerAffiliate: 4, seed: 42 };
const cents = (amount: string) => decimalToCents(amount);
const sum = (amounts: string[]) => amounts.reduce((total, a) => total + cents(a), 0);

function amountsOf(data: SeedData): string[] {
  return [
    ...data.affiliateProfiles.flatMap((p) => [p.paidCommissions, p.pendingCommissions]),
    ...data.commissions.flatMap((c) => [c.grossRevenue, c.discountAmount, c.netRevenue, c.commissionAmount]),
    ...data.paymentBatches.map((b) => b.totalAmount),
    ...data.transactions.map((t) => t.amount),
    ...data.mockProviderPayments.map((m) => m.amount),
  ];
}

describe('generateSeedData', () => {
  it('is deterministic for a seed, ids and dates included', () => {
    expect(generateSeedData(defaults)).toEqual(generateSeedData(defaults));
  });

  it('differs for another seed', () => {
    const a = generateSeedData(defaults);
    const b = generateSeedData({ ...defaults, seed: 43 });
    expect(b.affiliateProfiles[0]?.id).toBe('aff_43_1');
    expect(b.commissions.map((c) => c.commissionAmount)).not.toEqual(a.commissions.map((c) => c.commissionAmount));
  });

  it('has every interesting state', () => {
    const data = generateSeedData(defaults);
    expect(new Set(data.affiliates.map((a) => a.archetype))).toEqual(new Set(SEED_ARCHETYPES));
    const kyc = new Set(data.riseAccounts.map((a) => a.kycStatus));
    for (const status of ['APPROVED', 'PENDING', 'REJECTED'] as const) expect(kyc).toContain(status);
    const withAccount = new Set(data.riseAccounts.map((a) => a.affiliateProfileId));
    expect(data.affiliateProfiles.some((p) => !withAccount.has(p.id))).toBe(true);
    const statuses = new Set(data.commissions.map((c) => c.status));
    for (const status of ['PENDING', 'APPROVED', 'PAID'] as const) expect(statuses).toContain(status);

    const approvedKyc = new Set(
      data.riseAccounts.filter((a) => a.kycStatus === 'APPROVED').map((a) => a.affiliateProfileId),
    );
    const approvedTotals = new Map<string, number>();
    for (const c of data.commissions) {
      if (c.status === 'APPROVED')
        approvedTotals.set(
          c.affiliateProfileId,
          (approvedTotals.get(c.affiliateProfileId) ?? 0) + cents(c.commissionAmount),
        );
    }
    const totalsOfApprovedKyc = [...approvedTotals].filter(([id]) => approvedKyc.has(id)).map(([, total]) => total);
    expect(totalsOfApprovedKyc.some((t) => t > 5000)).toBe(true);
    expect(totalsOfApprovedKyc.some((t) => t === 5000)).toBe(true);
    expect(totalsOfApprovedKyc.some((t) => t > 0 && t < 5000)).toBe(true);
    expect(data.payableAffiliates).toBeGreaterThan(0);
    expect(data.payableAffiliates).toBeLessThan(data.affiliateProfiles.length);
  });

  it('writes amounts as decimal strings with 2 places', () => {
    for (const amount of amountsOf(generateSeedData(defaults))) expect(amount).toMatch(/^\d+\.\d{2}$/);
  });

  it('keeps totals consistent', () => {
    const data = generateSeedData({ ...defaults, affiliates: 300, commissionsPerAffiliate: 7, seed: 7 });
    for (const profile of data.affiliateProfiles) {
      const own = data.commissions.filter((c) => c.affiliateProfileId === profile.id);
      expect(cents(profile.paidCommissions)).toBe(
        sum(own.filter((c) => c.status === 'PAID').map((c) => c.commissionAmount)),
      );
      expect(cents(profile.pendingCommissions)).toBe(
        sum(own.filter((c) => c.status === 'PENDING' || c.status === 'APPROVED').map((c) => c.commissionAmount)),
      );
    }
    for (const c of data.commissions) {
      expect(cents(c.grossRevenue)).toBe(cents(c.netRevenue) + cents(c.discountAmount));
      expect(c.paidAt !== null).toBe(c.status === 'PAID');
      expect(cents(c.commissionAmount)).toBeGreaterThan(0);
    }

    // Every PAID commission has exactly one COMPLETED transaction and one mock ledger row, to the cent.
    const paid = data.commissions.filter((c) => c.status === 'PAID');
    expect(data.transactions.map((t) => t.commissionId).sort()).toEqual(paid.map((c) => c.id).sort());
    expect(sum(data.transactions.map((t) => t.amount))).toBe(sum(paid.map((c) => c.commissionAmount)));
    expect(sum(data.mockProviderPayments.map((m) => m.amount))).toBe(sum(paid.map((c) => c.commissionAmount)));
    for (const batch of data.paymentBatches) {
      const own = data.transactions.filter((t) => t.batchId === batch.id);
      expect(own.length).toBe(batch.paymentCount);
      expect(own.length).toBeLessThanOrEqual(500);
      expect(cents(batch.totalAmount)).toBe(sum(own.map((t) => t.amount)));
    }

    const payable = data.affiliates.filter((a) => a.payable);
    expect(data.payableAffiliates).toBe(payable.length);
    expect(cents(data.payableTotal)).toBe(sum(payable.map((a) => a.approvedTotal)));
    for (const a of payable) expect(cents(a.approvedTotal)).toBeGreaterThanOrEqual(5000);
  });

  it('builds the archetypes around another minimum', () => {
    const data = generateSeedData({ ...defaults, minimumPayout: '120.00' });
    const atMinimum = data.affiliates.find((a) => a.archetype === 'payable-at-minimum');
    expect(atMinimum?.approvedTotal).toBe('120.00');
    expect(atMinimum?.payable).toBe(true);
    expect(data.affiliates.find((a) => a.archetype === 'below-minimum')?.payable).toBe(false);
  });

  it('has unique ids and codes even with one commission per affiliate', () => {
    const data = generateSeedData({ affiliates: 50, commissionsPerAffiliate: 1, seed: 0 });
    const ids = [...data.users, ...data.affiliateProfiles, ...data.commissions, ...data.affiliateCodes].map(
      (r) => r.id,
    );
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(data.affiliateCodes.map((c) => c.code)).size).toBe(data.affiliateCodes.length);
    expect(new Set(data.users.map((u) => u.email)).size).toBe(data.users.length);
  });

  it('rejects impossible options', () => {
    expect(() => generateSeedData({ ...defaults, affiliates: 0 })).toThrow(RangeError);
    expect(() => generateSeedData({ ...defaults, seed: -1 })).toThrow(RangeError);
  });

  it('comes in chunks of whole affiliates, then of past payments, without holding the rest', () => {
    const options = { affiliates: 3_000, commissionsPerAffiliate: 7, seed: 11 };
    const chunks = [...generateSeedChunks(options)];
    const data = generateSeedData(options);
    const withAffiliates = chunks.filter((c) => c.affiliates.length > 0);
    expect(withAffiliates.length).toBeGreaterThan(1);
    for (const chunk of withAffiliates) {
      const own = new Set(chunk.affiliateProfiles.map((p) => p.id));
      expect(chunk.commissions.every((c) => own.has(c.affiliateProfileId))).toBe(true);
      expect(chunk.commissions.length).toBe(own.size * 7);
      expect(chunk.commissions.length).toBeLessThanOrEqual(10_000);
      expect(chunk.transactions).toEqual([]);
    }
    const history = chunks.slice(withAffiliates.length);
    expect(history.length).toBeGreaterThan(0);
    for (const chunk of history) {
      expect(chunk.commissions).toEqual([]);
      expect(chunk.paymentBatches.length).toBeLessThanOrEqual(20);
    }
    expect(history.flatMap((c) => c.transactions)).toEqual(data.transactions);

    const summary = emptySeedSummary(seedOptions(options));
    expect([...countedInto(summary, chunks)]).toEqual(chunks);
    expect(summary).toMatchObject({
      affiliates: 3_000,
      payoutAccounts: data.riseAccounts.length,
      payments: data.transactions.length,
      batches: data.paymentBatches.length,
      payableAffiliates: data.payableAffiliates,
      payableCents: cents(data.payableTotal),
    });
    expect(Object.values(summary.commissions).reduce((a, b) => a + b, 0)).toBe(21_000);
  });

  it('starts a million affiliates at once: the first chunk needs none of the others', () => {
    const first = generateSeedChunks({ affiliates: 1_000_000, commissionsPerAffiliate: 10, seed: 42 }).next().value;
    expect(first?.affiliateProfiles[0]?.id).toBe('aff_42_1');
    expect(first?.commissions.length).toBe(10_000);
    // An affiliate's rows do not depend on how many follow: the first three are a 3-affiliate seed's.
    const small = generateSeedData({ affiliates: 3, commissionsPerAffiliate: 10, seed: 42 });
    expect(first?.commissions.slice(0, 30)).toEqual(small.commissions);
  });
});
