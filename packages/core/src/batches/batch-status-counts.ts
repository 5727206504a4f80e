import { PaymentBatchStatus } from '@payouts/db';
import type { CoreDeps } from '../deps.ts';

export interface BatchStatusCount {
  status: PaymentBatchStatus;
  count: number;
  /** Seconds since the batch of this status that changed longest ago last changed (0 for none). */
  oldestAgeSeconds: number;
}

/**
 * Batches per status, every status listed (0 when no batch has it), for monitoring. A batch's updatedAt
 * moves only when its status does, so for PROCESSING it says how long ago the batch started (or was reopened
 * by a replay). One grouped scan of PaymentBatch, which holds a row per batch, not per payment.
 */
export async function countBatchesByStatus(deps: CoreDeps): Promise<BatchStatusCount[]> {
  const rows = await deps.db.$queryRaw<{ status: PaymentBatchStatus; count: number; oldestAgeSeconds: number }[]>`
    SELECT "status"::text AS "status", count(*)::int AS "count",
           EXTRACT(EPOCH FROM now() - min("updatedAt"))::float8 AS "oldestAgeSeconds"
    FROM "PaymentBatch" GROUP BY "status"`;
  const byStatus = new Map(rows.map((row) => [row.status, row]));
  return Object.values(PaymentBatchStatus).map((status) => {
    const row = byStatus.get(status);
    return { status, count: row?.count ?? 0, oldestAgeSeconds: Math.max(0, row?.oldestAgeSeconds ?? 0) };
  });
}
