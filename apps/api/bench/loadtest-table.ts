// The load test's tables: one row per run, and ratios against a baseline run of the same targets.
import type { RunResult } from './fixed-rate.ts';

function table(header: string[], rows: string[][], leftColumns = 1): string {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i < leftColumns ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** `422:12 503:340`, or `-` when every answer was 2xx. */
export function non2xxByStatus(statuses: Record<string, number>): string {
  const other = Object.entries(statuses).filter(([status]) => !status.startsWith('2'));
  return other.length === 0 ? '-' : other.map(([status, count]) => `${status}:${count}`).join(' ');
}

/** Latencies as autocannon gives them: whole milliseconds, or one decimal. */
const ms = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(1));

const twoxx = (result: RunResult) =>
  Object.entries(result.statuses)
    .filter(([status]) => status.startsWith('2'))
    .reduce((sum, [, count]) => sum + count, 0);

export function formatRuns(results: RunResult[]): string {
  return table(
    [
      'run',
      'target/s',
      'achieved/s',
      '2xx p50 ms',
      'p99 ms',
      'max ms',
      '2xx',
      'non-2xx by status',
      'errors',
      'timeouts',
      'loop delay ms',
    ],
    results.map((r) => [
      r.name,
      String(r.targetRate),
      r.achievedRate.toFixed(0),
      ms(r.p50),
      ms(r.p99),
      ms(r.max),
      String(twoxx(r)),
      non2xxByStatus(r.statuses),
      String(r.errors),
      String(r.timeouts),
      r.loopDelay ? `${r.loopDelay.medianMs.toFixed(0)}/${r.loopDelay.maxMs.toFixed(0)}` : '-',
    ]),
  );
}

/** Each run of `measured` beside the run of the same name in `baseline`: p50 and p99, and their ratios. */
export function formatRatios(baseline: RunResult[], measured: RunResult[], labels: [string, string]): string {
  const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}x` : 'n/a');
  const [base, under] = labels;
  return table(
    ['run', `p50 ${base}`, `p50 ${under}`, 'p50 ratio', `p99 ${base}`, `p99 ${under}`, 'p99 ratio'],
    measured.map((m) => {
      const b = baseline.find((candidate) => candidate.name === m.name);
      if (!b) return [m.name, '?', ms(m.p50), 'n/a', '?', ms(m.p99), 'n/a'];
      return [m.name, ms(b.p50), ms(m.p50), ratio(m.p50, b.p50), ms(b.p99), ms(m.p99), ratio(m.p99, b.p99)];
    }),
  );
}
