import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { API_KEY_PREFIX, createApiKeyInputSchema, generateApiKey, hashApiKey } from '../src/api-keys.ts';

describe('api key material', () => {
  it('generates distinct keys with a readable prefix and 256 random bits', () => {
    const keys = Array.from({ length: 50 }, generateApiKey);
    expect(new Set(keys).size).toBe(keys.length);
    for (const key of keys) {
      expect(key.startsWith(API_KEY_PREFIX)).toBe(true);
      expect(Buffer.from(key.slice(API_KEY_PREFIX.length), 'base64url')).toHaveLength(32);
    }
  });

  it('hashes with sha256 hex', () => {
    const key = generateApiKey();
    expect(hashApiKey(key)).toBe(createHash('sha256').update(key).digest('hex'));
    expect(hashApiKey(key)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('validates roles and names', () => {
    expect(createApiKeyInputSchema.safeParse({ role: 'admin', name: ' ci ' }).data).toEqual({
      role: 'admin',
      name: 'ci',
    });
    expect(createApiKeyInputSchema.safeParse({ role: 'root', name: 'x' }).success).toBe(false);
    expect(createApiKeyInputSchema.safeParse({ role: 'operator', name: '' }).success).toBe(false);
    expect(createApiKeyInputSchema.safeParse({ role: 'operator', name: '   ' }).success).toBe(false);
    expect(createApiKeyInputSchema.safeParse({ role: 'operator', name: 'x'.repeat(101) }).success).toBe(false);
    expect(createApiKeyInputSchema.safeParse({ role: 'scheduler', name: 'x'.repeat(100) }).success).toBe(true);
  });
});
