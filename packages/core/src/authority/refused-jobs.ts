import { writeAudit } from '../audit.ts';
import type { CoreDeps } from '../deps.ts';

export interface RefusedJob {
  queue: string;
  jobId: string;
  jobName: string;
  reason: string;
  batchId?: string;
  transactionId?: string;
}

/**
 * Audits a job that asked for work Postgres never authorised (added by hand to Redis, or replayed from
 * a console). The refusal is the only thing it writes.
 */
export async function recordRefusedJob(deps: CoreDeps, job: RefusedJob): Promise<void> {
  // Only ids that exist may be linked: a forged job may name rows that do not.
  const [batch, transaction] = await Promise.all([
    job.batchId ? deps.db.paymentBatch.count({ where: { id: job.batchId } }) : 0,
    job.transactionId ? deps.db.disbursementTransaction.count({ where: { id: job.transactionId } }) : 0,
  ]);
  await writeAudit(
    deps.db,
    { actor: 'system:worker' },
    {
      action: 'job.refused',
      status: 'WARNING',
      batchId: batch ? job.batchId : null,
      transactionId: transaction ? job.transactionId : null,
      details: {
        queue: job.queue,
        jobId: job.jobId.slice(0, 200),
        jobName: job.jobName.slice(0, 200),
        reason: job.reason.slice(0, 500),
        ...(job.batchId && !batch ? { batchId: job.batchId.slice(0, 200) } : {}),
        ...(job.transactionId && !transaction ? { transactionId: job.transactionId.slice(0, 200) } : {}),
      },
    },
  );
}
