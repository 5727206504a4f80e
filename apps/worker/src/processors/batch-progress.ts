import type { Job } from 'bullmq';

// When each batch's progress was last shown; the batches of the last few seconds only, so that a worker
// running for months over many batches keeps a handful of entries, not one per batch it ever paid.
const lastUpdate = new Map<string, number>();
const everyMs = 500;
const forgetAfterMs = 10_000;

function forgetQuietBatches(now: number) {
  for (const [batchId, at] of lastUpdate) if (now - at > forgetAfterMs) lastUpdate.delete(batchId);
}

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
  forgetQuietBatches(now);
  lastUpdate.set(batchId, now);
  const parent = await finalizeQueue.getJob(parentId);
  if (!parent) return;
  const counts = await parent.getDependenciesCount();
  const settled = (counts.processed ?? 0) + (counts.failed ?? 0) + (counts.ignored ?? 0);
  const total = settled + (counts.unprocessed ?? 0);
  await parent.updateProgress({ settled, total, percent: total ? Math.floor((settled * 100) / total) : 100 });
}

/** How many batches the progress throttle remembers now (for tests). */
export function rememberedBatches(): number {
  return lastUpdate.size;
}
