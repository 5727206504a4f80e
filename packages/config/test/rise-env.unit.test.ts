import { describe, expect, it } from 'vitest';
import { ConfigError, parseEnv } from '../src/index.ts';

const privateKey = `0x${'ab'.repeat(32)}`;
const completeRise = {
  PAYOUT_PROVIDER: 'RISE',
  RISE_API_URL: 'http://127.0.0.1:4010',
  RISE_TEAM_NANOID: 'te-abcdefghijkl',
  RISE_RISE_ID: 'rise-company-1',
  RISE_WALLET_PRIVATE_KEY: privateKey,
  RISE_WEBHOOK_SECRET: 'whsec',
};

function messageOf(source: Record<string, string>): string {
  try {
    parseEnv(source);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('parseEnv accepted the environment');
}

describe('Rise configuration', () => {
  it('is optional with the mock provider', () => {
    const env = parseEnv({});
    expect(env.PAYOUT_PROVIDER).toBe('MOCK');
    expect(env.RISE_API_URL).toBeUndefined();
    expect(env.RISE_TIMEOUT_MS).toBe(15_000);
  });

  it('parses a complete Rise environment', () => {
    const env = parseEnv({ ...completeRise, RISE_TIMEOUT_MS: '2500' });
    expect(env).toMatchObject({ ...completeRise, RISE_TIMEOUT_MS: 2500 });
  });

  it('names every missing variable in one message when PAYOUT_PROVIDER=RISE', () => {
    const message = messageOf({ PAYOUT_PROVIDER: 'RISE', RISE_RISE_ID: 'rise-company-1' });
    for (const name of ['RISE_API_URL', 'RISE_TEAM_NANOID', 'RISE_WALLET_PRIVATE_KEY', 'RISE_WEBHOOK_SECRET']) {
      expect(message).toContain(`${name}: required when PAYOUT_PROVIDER=RISE`);
    }
    expect(message).not.toContain('RISE_RISE_ID');
  });

  it('reports missing and malformed variables together', () => {
    const { RISE_API_URL: _, ...withoutUrl } = completeRise;
    const message = messageOf({ ...withoutUrl, RISE_TEAM_NANOID: 'te-short', PORT: 'eighty' });
    expect(message).toContain('RISE_API_URL: required');
    expect(message).toMatch(/RISE_TEAM_NANOID: .*te-/);
    expect(message).toMatch(/PORT/);
  });

  it('never shows the private key in a config error', () => {
    const almostKey = `0x${'cd'.repeat(31)}zz`;
    const message = messageOf({ ...completeRise, RISE_WALLET_PRIVATE_KEY: almostKey, RISE_API_URL: 'nope' });
    expect(message).toContain('RISE_WALLET_PRIVATE_KEY');
    expect(message).not.toContain('cdcdcdcd');
    expect(messageOf({ ...completeRise, RISE_API_URL: 'nope' })).not.toContain(privateKey.slice(2, 12));
  });

  it('checks values even with the mock provider', () => {
    expect(() => parseEnv({ RISE_TEAM_NANOID: 'us-abcdefghijkl' })).toThrow(/RISE_TEAM_NANOID/);
    expect(() => parseEnv({ RISE_TIMEOUT_MS: '0' })).toThrow(/RISE_TIMEOUT_MS/);
  });
});
