import { loadEnv } from '@payouts/config';
import { getBatchReport, listBatches } from '@payouts/core';
import { PaymentBatchStatus } from '@payouts/db';
import { describeBatch } from '../batches/batch-summary.ts';
import { withDb } from '../db.ts';
import { parseCommandArgs, parseIntegerFlag, UsageError } from '../usage.ts';
import { watchBatch } from './batches-watch.command.ts';

const statuses = Object.values(PaymentBatchStatus);

/** `batches list [--status S] [--limit N] | show <batchId> | watch <batchId> [--interval-ms N]`. */
export async function runBatchesCommand(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  if (action === 'list') return list(rest);
  if (action === 'show') return show(rest);
  if (action === 'watch') return watchBatch(rest);
  throw new UsageError('batches needs list, show or watch');
}

async function list(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(args, { status: { type: 'string' }, limit: { type: 'string' } });
  const status = values.status?.toUpperCase();
  if (status !== undefined && !isStatus(status)) {
    throw new UsageError(`--status must be one of ${statuses.join(', ')}, got '${values.status}'`);
  }
  const limit = parseIntegerFlag('limit', values.limit, 50, 1, 200);

  return withDb(loadEnv().DATABASE_URL, async (db) => {
    const page = await listBatches({ db }, { limit, status });
    if (page.items.length === 0) process.stdout.write('No batches.\n');
    for (const b of page.items) {
      process.stdout.write(
        `${b.id}  ${b.batchNumber}  ${b.status.padEnd(10)}  ${String(b.paymentCount).padStart(6)}  ` +
          `${b.totalAmount.padStart(12)}  ${b.createdAt.toISOString()}\n`,
      );
    }
    if (page.nextCursor) process.stderr.write(`(newest ${limit} shown: more with --limit, up to 200)\n`);
    return 0;
  });
}

async function show(args: string[]): Promise<number> {
  const { positionals } = parseCommandArgs(args, {}, 1);
  const [batchId] = positionals;
  if (!batchId) throw new UsageError('batches show needs a batch id');
  return withDb(loadEnv().DATABASE_URL, async (db) => {
    process.stdout.write(describeBatch(await getBatchReport({ db }, batchId)));
    return 0;
  });
}

function isStatus(value: string): value is PaymentBatchStatus {
  return (statuses as string[]).includes(value);
}
