import { describe, expect, it } from 'vitest';
import { parseEnv } from '../src/index.ts';

describe('METRICS_HOST, METRICS_PORT and WORKER_METRICS_PORT', () => {
  it('serve /metrics on loopback, 9464 for the API and 9465 for a worker, by default; empty keeps the default', () => {
    expect(parseEnv({})).toMatchObject({ METRICS_HOST: '127.0.0.1', METRICS_PORT: 9464, WORKER_METRICS_PORT: 9465 });
    expect(parseEnv({ METRICS_HOST: '', METRICS_PORT: '', WORKER_METRICS_PORT: '' })).toMatchObject({
      METRICS_HOST: '127.0.0.1',
      METRICS_PORT: 9464,
      WORKER_METRICS_PORT: 9465,
    });
  });

  it('take a port, 0 for any free port, and off for no endpoint', () => {
    expect(parseEnv({ METRICS_PORT: '19464', WORKER_METRICS_PORT: '65535' })).toMatchObject({
      METRICS_PORT: 19464,
      WORKER_METRICS_PORT: 65535,
    });
    expect(parseEnv({ METRICS_PORT: '0', WORKER_METRICS_PORT: '0' })).toMatchObject({
      METRICS_PORT: 0,
      WORKER_METRICS_PORT: 0,
    });
    expect(parseEnv({ METRICS_PORT: 'off', WORKER_METRICS_PORT: 'off' })).toMatchObject({
      METRICS_PORT: null,
      WORKER_METRICS_PORT: null,
    });
  });

  it('take a host name or an IPv4 or IPv6 address', () => {
    expect(parseEnv({ METRICS_HOST: '::1' }).METRICS_HOST).toBe('::1');
    expect(parseEnv({ METRICS_HOST: '0.0.0.0' }).METRICS_HOST).toBe('0.0.0.0');
    expect(parseEnv({ METRICS_HOST: 'localhost' }).METRICS_HOST).toBe('localhost');
  });

  it.each([
    ['a port above 65535', '65536'],
    ['a negative port', '-1'],
    ['a word other than off', 'false'],
    ['OFF in capitals', 'OFF'],
    ['exponent notation', '1e3'],
    ['hexadecimal', '0x10'],
    ['a fraction', '9464.5'],
    ['a leading space', ' 9464'],
    ['a NUL byte', '9464\u0000'],
  ])('refuse %s, naming the variable', (_what, value) => {
    const expected = /a port 1-65535, 0 for any free port, or off/;
    expect(() => parseEnv({ METRICS_PORT: value })).toThrow(new RegExp(`METRICS_PORT: ${expected.source}`));
    expect(() => parseEnv({ WORKER_METRICS_PORT: value })).toThrow(
      new RegExp(`WORKER_METRICS_PORT: ${expected.source}`),
    );
  });

  it.each([
    ['a URL', 'http://127.0.0.1'],
    ['a space', '127.0.0.1 9464'],
    ['a NUL byte', '127.0.0.1\u0000'],
  ])('refuse a METRICS_HOST with %s', (_what, value) => {
    expect(() => parseEnv({ METRICS_HOST: value })).toThrow(/METRICS_HOST: a host name or IP address/);
  });

  it('name both metrics variables when both are wrong', () => {
    expect(() => parseEnv({ METRICS_PORT: 'x', WORKER_METRICS_PORT: 'y' })).toThrow(
      /METRICS_PORT: .*\n.*WORKER_METRICS_PORT: /,
    );
  });
});
