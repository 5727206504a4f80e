import { describe, expect, it } from 'vitest';
import { riseUserNanoid, SEEDED_RISE_USER_NANOID } from '../src/seed/rise-user-nanoid.ts';
import { sandboxMembersOf } from '../src/seed/sandbox-members.ts';
import { generateSeedData } from '../src/seed/seed-data.generator.ts';

const defaults = { affiliates: 24, commissionsPerAffiliate: 4, seed: 42 };

describe('seeded Rise user nanoids', () => {
  it('are us- and 12 lowercase letters or digits, the same for the same seed and affiliate', () => {
    const data = generateSeedData(defaults);
    expect(data.riseAccounts.length).toBeGreaterThan(0);
    for (const account of data.riseAccounts) expect(account.riseId).toMatch(SEEDED_RISE_USER_NANOID);
    expect(generateSeedData(defaults).riseAccounts.map((a) => a.riseId)).toEqual(
      data.riseAccounts.map((a) => a.riseId),
    );
    expect(riseUserNanoid(42, 1)).toBe(riseUserNanoid(42, 1));
  });

  it('differ between affiliates and between seeds', () => {
    const ids = new Set<string>();
    for (const seed of [0, 1, 42, 0xffffffff]) {
      for (let n = 1; n <= 2_000; n++) ids.add(riseUserNanoid(seed, n));
    }
    expect(ids.size).toBe(4 * 2_000);
    // Neighbours do not look alike (the numbers are scrambled, not counted up).
    expect(riseUserNanoid(42, 1).slice(0, 9)).not.toBe(riseUserNanoid(42, 2).slice(0, 9));
    expect(riseUserNanoid(0, 1)).toMatch(SEEDED_RISE_USER_NANOID);
    expect(riseUserNanoid(0xffffffff, 2 ** 30 - 1)).toMatch(SEEDED_RISE_USER_NANOID);
  });

  it('are unique in a large seed, as the database requires', () => {
    const data = generateSeedData({ affiliates: 5_000, commissionsPerAffiliate: 1, seed: 3 });
    const riseIds = data.riseAccounts.map((a) => a.riseId);
    expect(new Set(riseIds).size).toBe(riseIds.length);
    // The payment history names the same payees.
    const known = new Set(riseIds);
    for (const t of data.transactions) expect(known.has(t.payeeRiseId)).toBe(true);
  });

  it('refuses numbers it cannot keep distinct', () => {
    expect(() => riseUserNanoid(42, 0)).toThrow(RangeError);
    expect(() => riseUserNanoid(42, 2 ** 30)).toThrow(RangeError);
    expect(() => riseUserNanoid(-1, 1)).toThrow(RangeError);
  });
});

describe('sandboxMembersOf', () => {
  it('makes every seeded payout account a member whose onboarding state matches its KYC', () => {
    const data = generateSeedData(defaults);
    const { members, skipped } = sandboxMembersOf(data.riseAccounts);
    expect(skipped).toEqual([]);
    expect(members.map((m) => m.nanoid)).toEqual(data.riseAccounts.map((a) => a.riseId));
    const expected = {
      APPROVED: 'approved',
      PENDING: 'pending',
      SUBMITTED: 'submitted',
      REJECTED: 'rejected',
      EXPIRED: 'expired',
    };
    data.riseAccounts.forEach((account, i) => {
      expect(members[i]).toEqual({
        nanoid: account.riseId,
        email: account.email,
        onboarding_status: expected[account.kycStatus],
        can_receive_payments: account.kycStatus === 'APPROVED',
      });
    });
    // Every state the seed has is present, so the sandbox sees each of them.
    expect(new Set(members.map((m) => m.onboarding_status))).toEqual(
      new Set(['approved', 'pending', 'submitted', 'rejected', 'expired']),
    );
    // Every payable affiliate's payee can receive payments from the sandbox.
    const payable = new Set(data.affiliates.filter((a) => a.payable).map((a) => a.profileId));
    for (const account of data.riseAccounts.filter((a) => payable.has(a.affiliateProfileId))) {
      expect(members.find((m) => m.nanoid === account.riseId)?.can_receive_payments).toBe(true);
    }
  });

  it('skips riseIds that are not Rise user nanoids', () => {
    const { members, skipped } = sandboxMembersOf([
      { riseId: 'rise_42_1', email: 'old@example.test', kycStatus: 'APPROVED' },
      { riseId: 'us-AbC_-1234567', email: 'new@example.test', kycStatus: 'PENDING' },
    ]);
    expect(skipped).toEqual(['rise_42_1']);
    expect(members).toEqual([
      {
        nanoid: 'us-AbC_-1234567',
        email: 'new@example.test',
        onboarding_status: 'pending',
        can_receive_payments: false,
      },
    ]);
  });
});
