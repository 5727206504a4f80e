import type { StatusCounts } from '@payouts/core';
import type { PaymentBatchStatus } from '@payouts/db';

/** A batch as one poll sees it: its status and its transactions counted by status. */
export interface BatchProgress {
  status: PaymentBatchStatus;
  counts: StatusCounts;
}

const finalStatuses: readonly PaymentBatchStatus[] = ['COMPLETED', 'FAILED', 'CANCELLED'];
/** Shown beside COMPLETED and FAILED only when some transaction has them. */
const occasionalStatuses = ['UNKNOWN', 'CANCELLED', 'REVERSED'] as const;

export function isFinalStatus(status: PaymentBatchStatus): boolean {
  return finalStatuses.includes(status);
}

/** Transactions whose outcome is still open: PENDING, PROCESSING or UNKNOWN. */
export function openCount(counts: StatusCounts): number {
  return counts.PENDING + counts.PROCESSING + counts.UNKNOWN;
}

/** As GET /batches/:id counts progress: COMPLETED, FAILED, CANCELLED and REVERSED are settled. */
export function settledCount(counts: StatusCounts): number {
  return counts.COMPLETED + counts.FAILED + counts.CANCELLED + counts.REVERSED;
}

export function totalCount(counts: StatusCounts): number {
  return Object.values(counts).reduce((sum, n) => sum + n, 0);
}

const grouped = new Intl.NumberFormat('en-US');

export function formatCount(n: number): string {
  return grouped.format(n);
}

/** 9 -> "9s", 65 -> "1m05s", 3720 -> "1h02m". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function formatRate(perSecond: number | null): string {
  if (perSecond === null) return '--/s';
  return perSecond < 10 ? `${perSecond.toFixed(1)}/s` : `${formatCount(Math.round(perSecond))}/s`;
}

/**
 * `[########----------]  2,345/5,000  46.9%  COMPLETED 2,300  FAILED 45  312/s  ETA 9s`: the bar only
 * when `barWidth` is given; the batch's status at the end while it is not PROCESSING.
 */
export function formatProgressLine(progress: BatchProgress, perSecond: number | null, barWidth?: number): string {
  const { counts, status } = progress;
  const total = totalCount(counts);
  const settled = settledCount(counts);
  const ratio = total === 0 ? 1 : settled / total;
  const parts: string[] = [];
  if (barWidth !== undefined) {
    const filled = Math.floor(ratio * barWidth);
    parts.push(`[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}]`);
  }
  // Rounded down: 100.0% only once everything has settled.
  const percent = total === 0 ? 100 : Math.floor((settled * 1000) / total) / 10;
  parts.push(`${formatCount(settled)}/${formatCount(total)}`, `${percent.toFixed(1)}%`);
  parts.push(`COMPLETED ${formatCount(counts.COMPLETED)}`, `FAILED ${formatCount(counts.FAILED)}`);
  for (const name of occasionalStatuses) if (counts[name] > 0) parts.push(`${name} ${formatCount(counts[name])}`);
  parts.push(formatRate(perSecond));
  const remaining = total - settled;
  if (remaining > 0) parts.push(perSecond ? `ETA ${formatDuration(remaining / perSecond)}` : 'ETA --');
  if (status !== 'PROCESSING') parts.push(`batch ${status}`);
  return parts.join('  ');
}

/**
 * How fast payments settle now: settled payments per second over the last `windowMs`, from the
 * samples the caller adds at each poll; null until two samples are at least half a second apart.
 * The wait before the first payment settled (a batch not executed yet, its flow being added) does
 * not count: it would make the first estimates of the time left hours long.
 */
export function makeRateMeter(windowMs = 5_000) {
  const samples: { atMs: number; settled: number }[] = [];
  return {
    add(atMs: number, settled: number): void {
      const [first, second] = samples;
      if (first && !second && first.settled === settled) samples.length = 0;
      samples.push({ atMs, settled });
      // one sample older than the window stays as its starting point
      while (samples.length > 2 && (samples[1]?.atMs ?? atMs) <= atMs - windowMs) samples.shift();
    },
    perSecond(): number | null {
      const first = samples[0];
      const last = samples.at(-1);
      if (!first || !last || last.atMs - first.atMs < 500) return null;
      return ((last.settled - first.settled) * 1000) / (last.atMs - first.atMs);
    },
  };
}
