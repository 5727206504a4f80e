import type { StatusCounts } from '@payouts/core';
import { describe, expect, it } from 'vitest';
import { formatDuration, formatProgressLine, makeRateMeter } from '../src/batches/batch-progress.ts';
import { makeProgressDisplay } from '../src/batches/progress-display.ts';

function counts(partial: Partial<StatusCounts>): StatusCounts {
  return { PENDING: 0, PROCESSING: 0, UNKNOWN: 0, COMPLETED: 0, FAILED: 0, CANCELLED: 0, REVERSED: 0, ...partial };
}

describe('formatProgressLine', () => {
  it('draws the bar, the settled share, the counts, the rate and the time left', () => {
    const progress = { status: 'PROCESSING' as const, counts: counts({ COMPLETED: 2300, FAILED: 45, PENDING: 2655 }) };
    expect(formatProgressLine(progress, 312, 20)).toBe(
      '[#########-----------]  2,345/5,000  46.9%  COMPLETED 2,300  FAILED 45  312/s  ETA 9s',
    );
    expect(formatProgressLine(progress, null)).toBe('2,345/5,000  46.9%  COMPLETED 2,300  FAILED 45  --/s  ETA --');
  });

  it('names rarer statuses only when present, and the batch status while it is not PROCESSING', () => {
    const queued = { status: 'QUEUED' as const, counts: counts({ PENDING: 3 }) };
    expect(formatProgressLine(queued, 0)).toBe('0/3  0.0%  COMPLETED 0  FAILED 0  0.0/s  ETA --  batch QUEUED');
    const done = { status: 'FAILED' as const, counts: counts({ COMPLETED: 1, FAILED: 1, UNKNOWN: 0, REVERSED: 2 }) };
    expect(formatProgressLine(done, 2.5, 4)).toBe(
      '[####]  4/4  100.0%  COMPLETED 1  FAILED 1  REVERSED 2  2.5/s  batch FAILED',
    );
  });

  it('reaches 100.0% only when every payment has settled', () => {
    const almost = { status: 'PROCESSING' as const, counts: counts({ COMPLETED: 5_008, PENDING: 2 }) };
    expect(formatProgressLine(almost, 100)).toBe('5,008/5,010  99.9%  COMPLETED 5,008  FAILED 0  100/s  ETA 1s');
  });

  it('writes durations in seconds, minutes or hours', () => {
    expect([formatDuration(0.2), formatDuration(59), formatDuration(65), formatDuration(3720)]).toEqual([
      '1s',
      '59s',
      '1m05s',
      '1h02m',
    ]);
  });
});

describe('makeRateMeter', () => {
  it('measures over the last window only', () => {
    const meter = makeRateMeter(2_000);
    meter.add(0, 0);
    expect(meter.perSecond()).toBeNull();
    meter.add(1_000, 100);
    expect(meter.perSecond()).toBe(100);
    meter.add(2_000, 200);
    meter.add(3_000, 1_200);
    // the sample at 0 fell out of the window: (1200 - 100) over 2 s
    expect(meter.perSecond()).toBe(550);
  });

  it('does not count the wait before the first payment settled', () => {
    const meter = makeRateMeter(5_000);
    for (let at = 0; at <= 4_000; at += 500) meter.add(at, 0);
    expect(meter.perSecond()).toBeNull();
    meter.add(4_500, 50);
    meter.add(5_000, 100);
    expect(meter.perSecond()).toBe(100);
    // later pauses do count
    meter.add(6_000, 100);
    expect(meter.perSecond()).toBe(50);
  });
});

describe('makeProgressDisplay', () => {
  const processing = (done: number) => ({
    status: 'PROCESSING' as const,
    counts: counts({ COMPLETED: done, PENDING: 10 - done }),
  });

  it('prints a plain line only when the numbers changed, at most once a second, and the last one at the end', () => {
    let written = '';
    let now = 0;
    const display = makeProgressDisplay({ write: (text: string) => (written += text) }, () => now);
    display.update(processing(0));
    now = 500;
    display.update(processing(5)); // changed, but within the second
    now = 1_000;
    display.update(processing(5));
    now = 2_000;
    display.update(processing(5)); // unchanged
    now = 2_100;
    display.update({ status: 'COMPLETED', counts: counts({ COMPLETED: 10 }) });
    display.finish();
    const lines = written.trimEnd().split('\n');
    expect(lines.map((l) => l.split('  ')[0])).toEqual(['0/10', '5/10', '10/10']);
    expect(written).not.toContain('\r');
  });

  it('redraws one line in place on a terminal, cut to its width', () => {
    let written = '';
    const display = makeProgressDisplay({ write: (text: string) => (written += text), isTTY: true, columns: 40 });
    display.update(processing(0));
    display.update(processing(5));
    display.interrupt();
    const frames = written.split('\r').slice(1);
    expect(frames).toHaveLength(2);
    expect(frames[1]).toBe('[##########----------]  5/10  50.0%  CO\x1b[K\n');
  });
});
