import { describe, expect, it } from 'vitest';
import { parseEnv } from '../src/index.ts';

describe('ACCOUNT_SYNC_CRON and ACCOUNT_SYNC_TZ', () => {
  it('sync every night at 03:00 UTC by default; an empty value keeps the default', () => {
    expect(parseEnv({})).toMatchObject({ ACCOUNT_SYNC_CRON: '0 3 * * *', ACCOUNT_SYNC_TZ: 'UTC' });
    expect(parseEnv({ ACCOUNT_SYNC_CRON: '', ACCOUNT_SYNC_TZ: '' })).toMatchObject({
      ACCOUNT_SYNC_CRON: '0 3 * * *',
      ACCOUNT_SYNC_TZ: 'UTC',
    });
  });

  it('takes a 5-field cron pattern and an IANA time zone, and off for no schedule', () => {
    expect(parseEnv({ ACCOUNT_SYNC_CRON: '*/30 6-18 * * 1-5', ACCOUNT_SYNC_TZ: 'Europe/Berlin' })).toMatchObject({
      ACCOUNT_SYNC_CRON: '*/30 6-18 * * 1-5',
      ACCOUNT_SYNC_TZ: 'Europe/Berlin',
    });
    expect(parseEnv({ ACCOUNT_SYNC_CRON: 'off' }).ACCOUNT_SYNC_CRON).toBeNull();
  });

  it.each([
    ['garbage', 'not a cron'],
    ['six fields (seconds)', '0 0 3 * * *'],
    ['a minute out of range', '61 3 * * *'],
    ['a date that never comes', '0 0 31 2 *'],
    ['another word for off', 'false'],
    ['a NUL byte', '0 3 * * *\u0000'],
  ])('refuses %s, naming the variable', (_what, cron) => {
    expect(() => parseEnv({ ACCOUNT_SYNC_CRON: cron })).toThrow(/ACCOUNT_SYNC_CRON: a 5-field cron pattern/);
  });

  it('refuses a time zone Intl does not know', () => {
    expect(() => parseEnv({ ACCOUNT_SYNC_TZ: 'Mars/Olympus' })).toThrow(/ACCOUNT_SYNC_TZ: an IANA time zone/);
  });
});
