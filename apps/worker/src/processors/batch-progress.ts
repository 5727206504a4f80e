import type { Job } from 'bullmq';

const lastUpdate = new Map<string, number>();
const everyMs = 500;

/**
 * Shows a batch's progress on its finalize-batch job (Bull Board displays it): settled payments of the
 * flow out of all of them. At most twice a second per batch and process, so it costs little.
 */
export async function reportBatchProgress(
  job: Job,
  batchId: string,
  finalizeQueue: { getJob(id: string): Promise<Job | undefined> },
) {
  const parentId = job.parent?.id;
  if (!parentId) return;
  const now = Date.now();
  if (now - (lastUpdate.get(batchId) ?? 0) < everyMs) return;
  lastUpdate.set(batchId, now);
  const parent = await finalizeQueue.getJob(parentId);
  if (!parent) return;
  const counts = await parent.getDependenciesCount();
  const settled = (counts.processed ?? 0) + (counts.failed ?? 0) + (counts.ignored ?? 0);
  const total = settled + (counts.unprocessed ?? 0);
  await parent.updateProgress({ settled, total, percent: total ? Math.floor((settled * 100) / total) : 100 });
}
