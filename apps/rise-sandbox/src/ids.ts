import { randomBytes } from 'node:crypto';

// [ours] Rise nanoids are a prefix + 12 characters; the alphabet is not documented, we use [0-9A-Za-z].
const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export function nanoid(prefix: 'us' | 'pa' | 'pg' | 'iv' | 'te'): string {
  const bytes = randomBytes(12);
  let id = '';
  // 256 % 62 leaves a small bias; irrelevant for a sandbox's identifiers.
  for (const byte of bytes) id += alphabet[byte % alphabet.length];
  return `${prefix}-${id}`;
}

export const nanoidPattern = (prefix: string) => new RegExp(`^${prefix}-[0-9A-Za-z_-]{12}$`);
