import { describe, expect, it } from 'vitest';
import { ineligibilityReason } from '../src/payables/payable-affiliates.ts';

const rule = (kycStatus: Parameters<typeof ineligibilityReason>[0]['kycStatus'], pendingAmount: string) =>
  ineligibilityReason({ kycStatus, pendingAmount, minPayout: '50.00' });

describe('ineligibilityReason', () => {
  it('is payable with an APPROVED payout account at or above the minimum', () => {
    expect(rule('APPROVED', '50.00')).toBeNull();
    expect(rule('APPROVED', '50.01')).toBeNull();
    expect(rule('APPROVED', '1000000.00')).toBeNull();
  });

  it('is BELOW_MINIMUM one cent under it', () => {
    expect(rule('APPROVED', '49.99')).toBe('BELOW_MINIMUM');
    expect(rule('APPROVED', '0.01')).toBe('BELOW_MINIMUM');
  });

  it('is NO_PAYOUT_ACCOUNT without an account, whatever the amount', () => {
    expect(rule(null, '500.00')).toBe('NO_PAYOUT_ACCOUNT');
    expect(rule(null, '1.00')).toBe('NO_PAYOUT_ACCOUNT');
  });

  it('is KYC_NOT_APPROVED for every KYC state but APPROVED, before the minimum is considered', () => {
    for (const kyc of ['PENDING', 'SUBMITTED', 'REJECTED', 'EXPIRED'] as const) {
      expect(rule(kyc, '500.00')).toBe('KYC_NOT_APPROVED');
      expect(rule(kyc, '1.00')).toBe('KYC_NOT_APPROVED');
    }
  });

  it('compares exactly, with no float rounding', () => {
    expect(ineligibilityReason({ kycStatus: 'APPROVED', pendingAmount: '0.30', minPayout: '0.30' })).toBeNull();
    expect(ineligibilityReason({ kycStatus: 'APPROVED', pendingAmount: '0.29', minPayout: '0.30' })).toBe(
      'BELOW_MINIMUM',
    );
  });
});
