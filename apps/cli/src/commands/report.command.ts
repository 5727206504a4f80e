import { pipeline } from 'node:stream/promises';
import { loadEnv } from '@payouts/config';
import { exportPayouts, getPayoutsReport, isStorableInstant, type PayoutGrouping } from '@payouts/core';
import { withDb } from '../db.ts';
import { parseCommandArgs, UsageError } from '../usage.ts';

const groupings: readonly PayoutGrouping[] = ['day', 'affiliate', 'provider', 'status'];

/** `--from`/`--to`: a day (its midnight UTC) or an ISO instant with an offset, as the API takes them. */
function parseInstant(name: string, value: string | undefined): Date {
  if (value === undefined) throw new UsageError(`report payouts needs --${name}`);
  const day = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.test(value);
  const date = new Date(day ? `${value}T00:00:00Z` : value);
  const sameDay = !day || date.toISOString().startsWith(value);
  if (!(day || iso) || Number.isNaN(date.getTime()) || !sameDay || !isStorableInstant(date)) {
    throw new UsageError(
      `--${name} must be a day (2026-11-01) or an ISO instant (2026-11-01T00:00:00Z), got '${value}'`,
    );
  }
  return date;
}

/**
 * `report payouts --from D --to D [--group-by G] [--csv | --json]`: payments with a payout date in
 * [from, to), as GET /reports/payouts and /reports/payouts.csv give them. CSV goes to stdout, streamed.
 */
export async function runReportCommand(args: string[]): Promise<number> {
  const [report, ...rest] = args;
  if (report !== 'payouts') throw new UsageError('report needs payouts');
  const { values } = parseCommandArgs(rest, {
    from: { type: 'string' },
    to: { type: 'string' },
    'group-by': { type: 'string' },
    csv: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  });
  const from = parseInstant('from', values.from);
  const to = parseInstant('to', values.to);
  if (from > to) throw new UsageError('--from must not be after --to');
  const groupBy = values['group-by'];
  if (groupBy !== undefined && !groupings.includes(groupBy as PayoutGrouping)) {
    throw new UsageError(`--group-by must be one of ${groupings.join(', ')}, got '${groupBy}'`);
  }
  if (values.csv && values.json) throw new UsageError('--csv and --json exclude each other');

  const env = loadEnv();
  return withDb(env.DATABASE_URL, async (db) => {
    const filter = { from, to };
    if (values.csv) {
      await pipeline(await exportPayouts({ db }, filter, groupBy as PayoutGrouping | undefined), process.stdout);
      return 0;
    }
    const result = await getPayoutsReport({ db }, filter, (groupBy as PayoutGrouping | undefined) ?? 'day');
    if (values.json) {
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      return 0;
    }
    const rows = [
      [result.groupBy, 'payments', 'amount', 'paid', 'paid amount'],
      ...result.groups.map((g) => [g.key, String(g.count), g.amount, String(g.paidCount), g.paidAmount]),
      [
        'total',
        String(result.total.count),
        result.total.amount,
        String(result.total.paidCount),
        result.total.paidAmount,
      ],
    ];
    const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => r[i]?.length ?? 0))) ?? [];
    process.stdout.write(
      `Payouts from ${from.toISOString()} to ${to.toISOString()} (payout date: paid, else created)\n`,
    );
    for (const row of rows) {
      const cells = row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)));
      process.stdout.write(`${cells.join('  ')}\n`);
    }
    return 0;
  });
}
