import type { BatchReport } from '@payouts/core';
import { formatCount, formatDuration } from './batch-progress.ts';

/** Failed payments listed one by one; `payouts dead-letters list` has them all. */
const failedShown = 20;

/**
 * A batch's execution summary for `batches show` and the end of `batches watch`, from the report that
 * GET /reports/batches/:batchId gives: status, payments and amounts per transaction status, times, and
 * the failed payments with their errors.
 */
export function describeBatch(report: BatchReport): string {
  const rows = Object.entries(report.byStatus)
    .filter(([, total]) => total.count > 0)
    .map(([status, total]) => [status, formatCount(total.count), total.amount] as const);
  const countWidth = Math.max(5, ...rows.map(([, count]) => count.length));
  const amountWidth = Math.max(6, ...rows.map(([, , amount]) => amount.length));
  const failedCount = report.byStatus.FAILED.count;

  const lines = [
    `Batch ${report.id}  ${report.batchNumber}  ${report.status}  (${report.provider}, ${report.currency})`,
    `  payments    ${formatCount(report.paymentCount)}, settled ${formatCount(report.settled)}/${formatCount(report.paymentCount)}`,
    `  total       ${report.totalAmount}`,
    `  ${'status'.padEnd(10)}  ${'count'.padStart(countWidth)}  ${'amount'.padStart(amountWidth)}`,
    ...rows.map(
      ([status, count, amount]) =>
        `  ${status.padEnd(10)}  ${count.padStart(countWidth)}  ${amount.padStart(amountWidth)}`,
    ),
    `  created     ${report.createdAt.toISOString()}${report.createdBy ? ` by ${report.createdBy}` : ''}`,
  ];
  if (report.executedAt) {
    lines.push(
      `  started     ${report.executedAt.toISOString()}${report.queuedBy ? `, queued by ${report.queuedBy}` : ''}`,
    );
  }
  if (report.finishedAt) {
    const took = report.durationMs === null ? '' : ` (took ${formatElapsed(report.durationMs)})`;
    lines.push(
      `  ${(report.status === 'FAILED' ? 'failed' : 'completed').padEnd(10)}  ${report.finishedAt.toISOString()}${took}`,
    );
  }
  if (report.errorMessage) lines.push(`  error       ${report.errorMessage}`);
  if (failedCount > 0) {
    lines.push(`Failed payments (${formatCount(failedCount)}):`);
    for (const t of report.failures.slice(0, failedShown)) {
      lines.push(`  ${t.transactionId}  ${t.amount}  ${t.errorMessage ?? 'failed'}`);
    }
    if (failedCount > failedShown) {
      lines.push(`  ... and ${formatCount(failedCount - failedShown)} more (payouts dead-letters list)`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** 16300 -> "16.3 s"; a minute or more as formatDuration writes it ("1m05s"). */
function formatElapsed(ms: number): string {
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : formatDuration(ms / 1000);
}
