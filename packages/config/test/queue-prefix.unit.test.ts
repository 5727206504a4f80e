import { describe, expect, it } from 'vitest';
import { parseEnv } from '../src/index.ts';

describe('QUEUE_PREFIX', () => {
  it('takes a plain name, or one in braces as a Redis Cluster hash tag', () => {
    expect(parseEnv({}).QUEUE_PREFIX).toBe('payouts');
    expect(parseEnv({ QUEUE_PREFIX: 'payouts-eu_2' }).QUEUE_PREFIX).toBe('payouts-eu_2');
    expect(parseEnv({ QUEUE_PREFIX: '{payouts}' }).QUEUE_PREFIX).toBe('{payouts}');
    expect(parseEnv({ QUEUE_PREFIX: '{payouts-eu_2}' }).QUEUE_PREFIX).toBe('{payouts-eu_2}');
  });

  it.each([
    ['an empty tag', '{}'],
    ['an unclosed brace', '{payouts'],
    ['a stray closing brace', 'payouts}'],
    ['text around the tag', 'app:{payouts}'],
    ['a tag followed by more', '{payouts}x'],
    ['two tags', '{a}{b}'],
    ['a colon inside the tag', '{app:payouts}'],
    ['a glob character', 'payouts*'],
    ['a space', 'pay outs'],
    ['a NUL byte', 'payouts\u0000'],
  ])('refuses %s, naming the variable', (_what, value) => {
    expect(() => parseEnv({ QUEUE_PREFIX: value })).toThrow(/QUEUE_PREFIX: letters, digits/);
  });
});
