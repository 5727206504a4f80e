import { describe, expect, it } from 'vitest';
import { ConfigError, parseEnv } from '../src/index.ts';

describe('parseEnv', () => {
  it('gives working local defaults', () => {
    const env = parseEnv({});
    expect(env.DATABASE_URL).toBe('postgresql://postgres@127.0.0.1:5432/payouts');
    expect(env.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(env.MIN_PAYOUT_USD).toBe('50.00');
    expect(env.PORT).toBe(3000);
  });

  it('names every wrong variable', () => {
    expect(() => parseEnv({ PORT: 'eighty', MIN_PAYOUT_USD: '50.005', REDIS_URL: 'not a url' })).toThrow(ConfigError);
    try {
      parseEnv({ PORT: 'eighty', MIN_PAYOUT_USD: '50.005' });
    } catch (error) {
      expect((error as Error).message).toMatch(/PORT/);
      expect((error as Error).message).toMatch(/MIN_PAYOUT_USD/);
    }
  });

  it('treats empty strings as unset', () => {
    expect(parseEnv({ PORT: '' }).PORT).toBe(3000);
  });

  it('parses booleans strictly', () => {
    expect(parseEnv({ BULL_BOARD_ENABLED: 'false' }).BULL_BOARD_ENABLED).toBe(false);
    expect(() => parseEnv({ BULL_BOARD_ENABLED: 'yes' })).toThrow(/BULL_BOARD_ENABLED/);
  });
});
