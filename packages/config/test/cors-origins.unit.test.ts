import { describe, expect, it } from 'vitest';
import { parseEnv } from '../src/index.ts';

describe('CORS_ORIGINS', () => {
  it('is empty by default and when set empty: no origin gets CORS', () => {
    expect(parseEnv({}).CORS_ORIGINS).toEqual([]);
    expect(parseEnv({ CORS_ORIGINS: '' }).CORS_ORIGINS).toEqual([]);
    expect(parseEnv({ CORS_ORIGINS: ' , ' }).CORS_ORIGINS).toEqual([]);
  });

  it('reads comma-separated exact origins', () => {
    expect(parseEnv({ CORS_ORIGINS: 'https://ops.example.com, http://localhost:5173' }).CORS_ORIGINS).toEqual([
      'https://ops.example.com',
      'http://localhost:5173',
    ]);
  });

  it('refuses what is not an exact origin, naming the variable', () => {
    for (const value of [
      '*',
      'ops.example.com',
      'https://ops.example.com/',
      'https://ops.example.com/path',
      'https://OPS.example.com',
      'ftp://ops.example.com',
      'https://ops.example.com,null',
    ]) {
      expect(() => parseEnv({ CORS_ORIGINS: value }), value).toThrow(/CORS_ORIGINS/);
    }
  });
});
