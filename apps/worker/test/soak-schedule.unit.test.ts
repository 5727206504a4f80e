import { describe, expect, it } from 'vitest';
import {
  buildSchedule,
  faultKindsOf,
  formatSchedule,
  mulberry32,
  type Schedule,
  type ScheduleOptions,
  shortestRunMs,
} from '../soak/schedule.ts';

// The soak's chaos schedule: a pure function of the seed and the run's shape.
const minute = 60_000;
const shapes: Omit<ScheduleOptions, 'seed'>[] = [
  { runMs: 2 * minute, provider: 'mock', workers: 2 },
  { runMs: 2 * minute, provider: 'rise', workers: 3 },
  { runMs: 25 * minute, provider: 'mock', workers: 2 },
  { runMs: 10 * minute, provider: 'rise', workers: 2 },
  { runMs: shortestRunMs('mock'), provider: 'mock', workers: 1 },
  { runMs: shortestRunMs('rise'), provider: 'rise', workers: 3 },
  { runMs: 60 * minute, provider: 'mock', workers: 3, meanGapMs: 10_000 },
];
const seeds = [0, 1, 7, 42, 123_456_789, -5, 2 ** 31];

function expectWellFormed(schedule: Schedule) {
  const { faults, warmupMs, tailMs, runMs, minGapMs } = schedule;
  // Every kind of the provider at least once; the flush exactly once.
  const kinds = new Set(faults.map((f) => f.kind));
  expect([...kinds].sort()).toEqual([...faultKindsOf(schedule.provider)].sort());
  expect(faults.filter((f) => f.kind === 'redis-flush')).toHaveLength(1);
  // Numbered in order; inside the run, after the warm-up and before the tail.
  expect(faults.map((f) => f.n)).toEqual(faults.map((_, i) => i + 1));
  for (const fault of faults) {
    expect(fault.atMs).toBeGreaterThanOrEqual(warmupMs);
    expect(fault.atMs + fault.durationMs + minGapMs).toBeLessThanOrEqual(runMs - tailMs);
    expect(fault.durationMs).toBeGreaterThanOrEqual(0);
    if (fault.worker !== undefined) {
      expect(fault.worker).toBeGreaterThanOrEqual(0);
      expect(fault.worker).toBeLessThan(schedule.workers);
    }
  }
  // Never two at once: each is lifted at least minGapMs before the next is injected, so each recovery
  // is measured on its own.
  for (const [i, fault] of faults.entries()) {
    const next = faults[i + 1];
    if (next) expect(fault.atMs + fault.durationMs + minGapMs).toBeLessThanOrEqual(next.atMs);
  }
  // What each kind needs to be played.
  for (const fault of faults) {
    if (fault.kind === 'worker-kill' || fault.kind === 'worker-term') expect(fault.worker).toBeDefined();
    if (fault.kind === 'provider-faults') expect(fault.faultSeed).toBeDefined();
    if (fault.kind === 'payment-removed') expect(fault.count).toBeGreaterThan(0);
  }
}

describe('the soak chaos schedule', () => {
  it('is the same for the same seed, and another for another seed', () => {
    for (const shape of shapes) {
      for (const seed of seeds) {
        const schedule = buildSchedule({ ...shape, seed });
        expect(buildSchedule({ ...shape, seed })).toEqual(schedule);
        expect(formatSchedule(buildSchedule({ ...shape, seed }))).toEqual(formatSchedule(schedule));
        expect(buildSchedule({ ...shape, seed: seed + 1 })).not.toEqual(schedule);
      }
    }
  });

  it('has every kind at least once, one flush, and faults that never overlap, however short or long the run', () => {
    for (const shape of shapes) for (const seed of seeds) expectWellFormed(buildSchedule({ ...shape, seed }));
  });

  it('has about one fault per mean gap in long runs', () => {
    const schedule = buildSchedule({ seed: 7, runMs: 25 * minute, provider: 'mock', workers: 2 });
    expect(schedule.faults.length).toBe(Math.floor((25 * minute - schedule.warmupMs - schedule.tailMs) / 30_000));
    expect(schedule.faults.length).toBeGreaterThan(40);
  });

  it('refuses a run too short to hold every kind once, saying how long it must be', () => {
    expect(() => buildSchedule({ seed: 1, runMs: shortestRunMs('rise') - 1, provider: 'rise', workers: 2 })).toThrow(
      /at least \d+ s/,
    );
    expect(() => buildSchedule({ seed: 1.5, runMs: 2 * minute, provider: 'mock', workers: 2 })).toThrow(/integer/);
  });

  it('draws from mulberry32: the same seed, the same numbers, uniform in [0, 1)', () => {
    const a = mulberry32(7);
    const b = mulberry32(7);
    const draws = Array.from({ length: 10_000 }, () => a());
    expect(Array.from({ length: 10_000 }, () => b())).toEqual(draws);
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(1);
    const mean = draws.reduce((sum, x) => sum + x, 0) / draws.length;
    expect(mean).toBeGreaterThan(0.48);
    expect(mean).toBeLessThan(0.52);
  });
});
