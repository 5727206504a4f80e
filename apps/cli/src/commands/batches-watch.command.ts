import { loadEnv } from '@payouts/config';
import { type BatchReport, countTransactionsByStatus, getBatchReport, NotFoundError } from '@payouts/core';
import type { Db } from '@payouts/db';
import { type BatchProgress, formatCount, isFinalStatus, openCount, totalCount } from '../batches/batch-progress.ts';
import { describeBatch } from '../batches/batch-summary.ts';
import { makeProgressDisplay } from '../batches/progress-display.ts';
import { withDb } from '../db.ts';
import { type Interrupt, listenForInterrupt, pause } from '../interrupt.ts';
import { parseCommandArgs, parseIntegerFlag, UsageError } from '../usage.ts';

/**
 * How long a PROCESSING batch whose payments have all settled may wait for its finalize-batch job to
 * set COMPLETED or FAILED before the summary is printed anyway (with the status as it is).
 */
const finalizeGraceMs = 5_000;

/** `batches watch <batchId> [--interval-ms N]`: progress until the batch settles, then its summary. */
export async function watchBatch(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { 'interval-ms': { type: 'string' } }, 1);
  const [batchId] = positionals;
  if (!batchId) throw new UsageError('batches watch needs a batch id');
  const intervalMs = parseIntegerFlag('interval-ms', values['interval-ms'], 500, 50, 60_000);
  const env = loadEnv();
  const interrupt = listenForInterrupt();
  try {
    return await withDb(env.DATABASE_URL, (db) => watch(db, batchId, intervalMs, interrupt));
  } finally {
    interrupt.dispose();
  }
}

async function watch(db: Db, batchId: string, intervalMs: number, interrupt: Interrupt): Promise<number> {
  const display = makeProgressDisplay(process.stdout);
  let openSettledAt: number | undefined;
  for (let first = true; ; first = false) {
    const progress = await readProgress(db, batchId);
    if (interrupt.signal.aborted) break;
    if (first) {
      process.stdout.write(
        `Watching batch ${batchId} (${progress.batchNumber}): ${formatCount(totalCount(progress.counts))} ` +
          `payments, total ${progress.totalAmount}; Ctrl-C stops watching, not the batch\n`,
      );
    }
    display.update(progress);
    if (isFinalStatus(progress.status)) break;
    if (openCount(progress.counts) === 0) {
      if (progress.status !== 'PROCESSING') break;
      openSettledAt ??= Date.now();
      if (Date.now() - openSettledAt >= finalizeGraceMs) break;
    }
    if (!(await pause(intervalMs, interrupt.signal))) break;
  }
  if (interrupt.signal.aborted) {
    display.interrupt();
    return interrupt.exitCode() ?? 130;
  }
  display.finish();
  const report = await getBatchReport({ db }, batchId);
  process.stdout.write(describeBatch(report));
  return exitCodeOf(report);
}

/** One poll: the batch's status (and what the header shows) and one grouped count of its transactions. */
async function readProgress(
  db: Db,
  batchId: string,
): Promise<BatchProgress & { batchNumber: string; totalAmount: string }> {
  const batch = await db.paymentBatch.findUnique({
    where: { id: batchId },
    select: { status: true, batchNumber: true, totalAmount: true },
  });
  if (!batch) throw new NotFoundError('batch', batchId);
  const counts = await countTransactionsByStatus(db, batchId);
  return { status: batch.status, counts, batchNumber: batch.batchNumber, totalAmount: batch.totalAmount.toFixed(2) };
}

/** 0 when every payment was made; 1 when the batch ended FAILED or CANCELLED (or payments failed). */
function exitCodeOf(report: BatchReport): number {
  return report.status === 'FAILED' || report.status === 'CANCELLED' || report.byStatus.FAILED.count > 0 ? 1 : 0;
}
