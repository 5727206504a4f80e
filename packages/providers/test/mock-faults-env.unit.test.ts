import { describe, expect, it } from 'vitest';
import { MockFaultPlanError } from '../src/mock-faults.ts';
import { mockFaultsFromEnv } from '../src/mock-faults-env.ts';

describe('mockFaultsFromEnv', () => {
  it('asks for no faults when neither MOCK_PROVIDER_FAULTS nor MOCK_PROVIDER_FAULTS_BY_PAYEE is set', () => {
    expect(mockFaultsFromEnv({})).toBeUndefined();
    expect(mockFaultsFromEnv({ MOCK_PROVIDER_SEED: '5', MOCK_PROVIDER_FAULTS: '  ' })).toBeUndefined();
  });

  it('parses probabilities, seed, payees and retry-after', () => {
    expect(
      mockFaultsFromEnv({
        MOCK_PROVIDER_FAULTS: 'transient=0.1, permanent=0.01,rateLimited=0.02,timeoutAfterPay=0.05,timeoutBeforePay=0,',
        MOCK_PROVIDER_SEED: '42',
        MOCK_PROVIDER_FAULTS_BY_PAYEE: 'rise_a=permanent,rise_b=transient',
        MOCK_PROVIDER_RETRY_AFTER_MS: '250',
        UNRELATED: 'x',
      }),
    ).toEqual({
      seed: 42,
      transient: '0.1',
      permanent: '0.01',
      rateLimited: '0.02',
      timeoutAfterPay: '0.05',
      timeoutBeforePay: '0',
      byPayee: { rise_a: 'permanent', rise_b: 'transient' },
      rateLimitRetryAfterMs: 250,
    });
  });

  it('defaults the seed to 1, as @payouts/config does', () => {
    expect(mockFaultsFromEnv({ MOCK_PROVIDER_FAULTS: 'transient=1' })).toEqual({ seed: 1, transient: '1' });
    expect(mockFaultsFromEnv({ MOCK_PROVIDER_FAULTS_BY_PAYEE: 'p=permanent' })).toEqual({
      seed: 1,
      byPayee: { p: 'permanent' },
    });
  });

  it.each([
    [{ MOCK_PROVIDER_FAULTS: 'transient=1.5' }, 'MOCK_PROVIDER_FAULTS: transient must be a decimal in [0, 1]'],
    [{ MOCK_PROVIDER_FAULTS: 'transient=-0.1' }, 'MOCK_PROVIDER_FAULTS: transient must be a decimal'],
    [{ MOCK_PROVIDER_FAULTS: 'transient=abc' }, 'MOCK_PROVIDER_FAULTS: transient must be a decimal'],
    [{ MOCK_PROVIDER_FAULTS: 'transient=0.00000001' }, 'at most 6 decimal places, got "0.00000001"'],
    [
      { MOCK_PROVIDER_FAULTS: 'transient=0.6,timeoutAfterPay=0.5' },
      'MOCK_PROVIDER_FAULTS: the probabilities sum to 1.1',
    ],
    [{ MOCK_PROVIDER_FAULTS: 'slow=0.1' }, 'MOCK_PROVIDER_FAULTS: unknown fault "slow"'],
    [{ MOCK_PROVIDER_FAULTS: 'transient' }, 'MOCK_PROVIDER_FAULTS: expected name=value, got "transient"'],
    [{ MOCK_PROVIDER_FAULTS: 'transient=0.1,transient=0.2' }, 'MOCK_PROVIDER_FAULTS: transient is given twice'],
    [{ MOCK_PROVIDER_FAULTS: 'transient=0.1', MOCK_PROVIDER_SEED: 'abc' }, 'MOCK_PROVIDER_SEED: must be an integer'],
    [{ MOCK_PROVIDER_FAULTS_BY_PAYEE: 'p=kyc' }, 'MOCK_PROVIDER_FAULTS_BY_PAYEE: payee p: unknown fault "kyc"'],
    [{ MOCK_PROVIDER_FAULTS: 'transient=0', MOCK_PROVIDER_RETRY_AFTER_MS: '-1' }, 'MOCK_PROVIDER_RETRY_AFTER_MS:'],
  ])('refuses %j naming the variable', (env, message) => {
    expect(() => mockFaultsFromEnv(env)).toThrow(MockFaultPlanError);
    expect(() => mockFaultsFromEnv(env)).toThrow(message);
  });

  it('names every bad variable at once', () => {
    expect(() => mockFaultsFromEnv({ MOCK_PROVIDER_FAULTS: 'transient=2', MOCK_PROVIDER_SEED: 'x' })).toThrow(
      /MOCK_PROVIDER_FAULTS: .*\n {2}MOCK_PROVIDER_SEED: /,
    );
  });
});
