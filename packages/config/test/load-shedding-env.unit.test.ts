import { describe, expect, it } from 'vitest';
import { parseEnv } from '../src/index.ts';

describe('MAX_EVENT_LOOP_DELAY_MS and MAX_HEAP_USED_MB', () => {
  it('shed at a mean event-loop delay of 100 ms by default, and not on the heap', () => {
    expect(parseEnv({})).toMatchObject({ MAX_EVENT_LOOP_DELAY_MS: 100, MAX_HEAP_USED_MB: 0 });
  });

  it('take whole numbers, 0 turning a check off', () => {
    expect(parseEnv({ MAX_EVENT_LOOP_DELAY_MS: '0', MAX_HEAP_USED_MB: '1536' })).toMatchObject({
      MAX_EVENT_LOOP_DELAY_MS: 0,
      MAX_HEAP_USED_MB: 1536,
    });
    for (const value of ['-1', '2.5', 'fast']) {
      expect(() => parseEnv({ MAX_EVENT_LOOP_DELAY_MS: value })).toThrow(/MAX_EVENT_LOOP_DELAY_MS/);
      expect(() => parseEnv({ MAX_HEAP_USED_MB: value })).toThrow(/MAX_HEAP_USED_MB/);
    }
  });
});
