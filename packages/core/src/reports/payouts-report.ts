import type { Readable } from 'node:stream';
import { Prisma } from '@payouts/db';
import type { CoreDeps } from '../deps.ts';
import { formatUsd, parseUsd } from '../money.ts';
import { csvExport } from './csv-export.ts';
import { type PayoutFilter, payoutColumns, payoutDate, payoutDateWhere, payoutRowsQuery } from './payout-rows.ts';

export type PayoutGrouping = 'day' | 'affiliate' | 'provider' | 'status';

/** One group's payments: all of them, and the part paid (COMPLETED). */
export interface PayoutGroup {
  key: string;
  count: number;
  amount: string;
  paidCount: number;
  paidAmount: string;
}

export interface PayoutsReport {
  from: Date;
  to: Date;
  groupBy: PayoutGrouping;
  groups: PayoutGroup[];
  total: Omit<PayoutGroup, 'key'>;
}

const groupKeys: Record<PayoutGrouping, Prisma.Sql> = {
  day: Prisma.sql`to_char(${payoutDate}, 'YYYY-MM-DD')`,
  affiliate: Prisma.sql`t."affiliateProfileId"`,
  provider: Prisma.sql`t.provider::text`,
  status: Prisma.sql`t.status::text`,
};

function groupsQuery(filter: PayoutFilter, groupBy: PayoutGrouping): Prisma.Sql {
  return Prisma.sql`SELECT ${groupKeys[groupBy]} AS key, count(*)::int AS count,
      sum(t.amount)::numeric(20, 2)::text AS amount,
      (count(*) FILTER (WHERE t.status = 'COMPLETED'))::int AS "paidCount",
      coalesce(sum(t.amount) FILTER (WHERE t.status = 'COMPLETED'), 0)::numeric(20, 2)::text AS "paidAmount"
    FROM "DisbursementTransaction" t
    WHERE ${payoutDateWhere(filter)}
    GROUP BY 1 ORDER BY 1`;
}

/** Payments with a payout date in [from, to), grouped by day (UTC), affiliate, provider or status; exact sums. */
export async function getPayoutsReport(
  deps: CoreDeps,
  filter: PayoutFilter,
  groupBy: PayoutGrouping,
): Promise<PayoutsReport> {
  const groups = await deps.db.sql<PayoutGroup>(groupsQuery(filter, groupBy));
  let amount = 0n;
  let paidAmount = 0n;
  for (const group of groups) {
    amount += parseUsd(group.amount);
    paidAmount += parseUsd(group.paidAmount);
  }
  return {
    from: filter.from,
    to: filter.to,
    groupBy,
    groups,
    total: {
      count: groups.reduce((sum, g) => sum + g.count, 0),
      amount: formatUsd(amount),
      paidCount: groups.reduce((sum, g) => sum + g.paidCount, 0),
      paidAmount: formatUsd(paidAmount),
    },
  };
}

const groupHeaders: Record<PayoutGrouping, string> = {
  day: 'day',
  affiliate: 'affiliate_id',
  provider: 'provider',
  status: 'status',
};

const groupColumns = (groupBy: PayoutGrouping) =>
  [
    { key: 'key' as const, header: groupHeaders[groupBy] },
    { key: 'count', header: 'count' },
    { key: 'amount', header: 'amount' },
    { key: 'paidCount', header: 'paid_count' },
    { key: 'paidAmount', header: 'paid_amount' },
  ] as const satisfies { key: keyof PayoutGroup; header: string }[];

/** The report as CSV: one row per payment, or with `groupBy` the report's groups. Streamed from a cursor. */
export async function exportPayouts(deps: CoreDeps, filter: PayoutFilter, groupBy?: PayoutGrouping): Promise<Readable> {
  if (groupBy) return csvExport<PayoutGroup>(await deps.db.stream(groupsQuery(filter, groupBy)), groupColumns(groupBy));
  return csvExport(await deps.db.stream(payoutRowsQuery(filter)), payoutColumns);
}
