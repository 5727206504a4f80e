import { type BatchView, sumUsd } from '@payouts/core';
import type { DisbursementTransactionStatus } from '@payouts/db';
import { formatCount, formatDuration } from './batch-progress.ts';

const statusOrder: readonly DisbursementTransactionStatus[] = [
  'PENDING',
  'PROCESSING',
  'UNKNOWN',
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'REVERSED',
];
/** Failed payments listed one by one; `payouts dead-letters list` has them all. */
const failedShown = 20;

/** The exact sum of each status's transaction amounts, as decimal strings. */
export function amountsByStatus(view: BatchView): Partial<Record<DisbursementTransactionStatus, string>> {
  const byStatus = new Map<DisbursementTransactionStatus, string[]>();
  for (const t of view.transactions) {
    const list = byStatus.get(t.status) ?? [];
    list.push(t.amount);
    byStatus.set(t.status, list);
  }
  return Object.fromEntries([...byStatus].map(([status, list]) => [status, sumUsd(list)]));
}

/**
 * A batch's execution summary for `batches show` and the end of `batches watch`: status, payments and
 * amounts per transaction status, times, and the failed payments with their errors.
 */
export function describeBatch(view: BatchView): string {
  const amounts = amountsByStatus(view);
  const rows = statusOrder
    .filter((status) => view.counts[status] > 0)
    .map((status) => [status, formatCount(view.counts[status]), amounts[status] ?? '0.00'] as const);
  const countWidth = Math.max(5, ...rows.map(([, count]) => count.length));
  const amountWidth = Math.max(6, ...rows.map(([, , amount]) => amount.length));
  const failed = view.transactions.filter((t) => t.status === 'FAILED');
  const end = view.completedAt ?? view.failedAt;

  const lines = [
    `Batch ${view.id}  ${view.batchNumber}  ${view.status}  (${view.provider}, ${view.currency})`,
    `  payments    ${formatCount(view.paymentCount)}, settled ${formatCount(view.progress.settled)}/${formatCount(view.progress.total)}`,
    `  total       ${view.totalAmount}`,
    `  ${'status'.padEnd(10)}  ${'count'.padStart(countWidth)}  ${'amount'.padStart(amountWidth)}`,
    ...rows.map(
      ([status, count, amount]) =>
        `  ${status.padEnd(10)}  ${count.padStart(countWidth)}  ${amount.padStart(amountWidth)}`,
    ),
    `  created     ${view.createdAt.toISOString()}${view.createdBy ? ` by ${view.createdBy}` : ''}`,
  ];
  if (view.executedAt) {
    lines.push(`  started     ${view.executedAt.toISOString()}${view.queuedBy ? `, queued by ${view.queuedBy}` : ''}`);
  }
  if (end) {
    const took = view.executedAt ? ` (took ${formatElapsed(end.getTime() - view.executedAt.getTime())})` : '';
    lines.push(`  ${(view.completedAt ? 'completed' : 'failed').padEnd(10)}  ${end.toISOString()}${took}`);
  }
  if (view.errorMessage) lines.push(`  error       ${view.errorMessage}`);
  if (failed.length > 0) {
    lines.push(`Failed payments (${formatCount(failed.length)}):`);
    for (const t of failed.slice(0, failedShown)) {
      lines.push(`  ${t.transactionId}  ${t.amount}  ${t.errorMessage ?? 'failed'}`);
    }
    if (failed.length > failedShown) {
      lines.push(`  ... and ${formatCount(failed.length - failedShown)} more (payouts dead-letters list)`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** 16300 -> "16.3 s"; a minute or more as formatDuration writes it ("1m05s"). */
function formatElapsed(ms: number): string {
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : formatDuration(ms / 1000);
}
