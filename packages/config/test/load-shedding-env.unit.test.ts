import { describe, expect, it } from 'vitest';
import { parseEnv } from '../src/index.ts';

describe('MAX_EVENT_LOOP_DELAY_MS, MAX_EVENT_LOOP_UTILIZATION and MAX_HEAP_USED_MB', () => {
  it('shed at a mean event-loop delay of 100 ms or a loop busy 98% of the time by default, and not on the heap', () => {
    expect(parseEnv({})).toMatchObject({
      MAX_EVENT_LOOP_DELAY_MS: 100,
      MAX_EVENT_LOOP_UTILIZATION: 0.98,
      MAX_HEAP_USED_MB: 0,
      MAX_REQUESTS_IN_FLIGHT: 100,
    });
  });

  it('take a utilization between 0 (off) and 1', () => {
    expect(parseEnv({ MAX_EVENT_LOOP_UTILIZATION: '0' }).MAX_EVENT_LOOP_UTILIZATION).toBe(0);
    expect(parseEnv({ MAX_EVENT_LOOP_UTILIZATION: '0.9' }).MAX_EVENT_LOOP_UTILIZATION).toBe(0.9);
    for (const value of ['-0.1', '1.5', '98%', 'busy']) {
      expect(() => parseEnv({ MAX_EVENT_LOOP_UTILIZATION: value })).toThrow(/MAX_EVENT_LOOP_UTILIZATION/);
    }
  });

  it('take whole numbers, 0 turning a check off', () => {
    expect(parseEnv({ MAX_EVENT_LOOP_DELAY_MS: '0', MAX_HEAP_USED_MB: '1536' })).toMatchObject({
      MAX_EVENT_LOOP_DELAY_MS: 0,
      MAX_HEAP_USED_MB: 1536,
    });
    expect(parseEnv({ MAX_REQUESTS_IN_FLIGHT: '0' }).MAX_REQUESTS_IN_FLIGHT).toBe(0);
    for (const value of ['-1', '2.5', 'fast']) {
      expect(() => parseEnv({ MAX_REQUESTS_IN_FLIGHT: value })).toThrow(/MAX_REQUESTS_IN_FLIGHT/);
      expect(() => parseEnv({ MAX_EVENT_LOOP_DELAY_MS: value })).toThrow(/MAX_EVENT_LOOP_DELAY_MS/);
      expect(() => parseEnv({ MAX_HEAP_USED_MB: value })).toThrow(/MAX_HEAP_USED_MB/);
    }
  });
});
