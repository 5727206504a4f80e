import type { FlowProducer } from 'bullmq';
import { addBatchFlow } from './batch-flow.ts';
import { type JobPayload, jobCatalog } from './catalog.ts';
import { replayFlowIds } from './job-ids.ts';
import { QueueName } from './names.ts';
import type { Queues } from './queues.ts';

export interface DeadLetterEntry {
  jobId: string;
  /** When the dead letter was added (ms since the epoch). */
  addedAt: number;
  data: JobPayload<typeof QueueName.deadLetter>;
}

export interface DeadLetterPage {
  items: DeadLetterEntry[];
  /** Pass back as `cursor` for the next page; null on the last one. */
  nextCursor: string | null;
}

/** A dead-letter cursor is the offset into the waiting list, as a decimal string. */
export function parseDeadLetterCursor(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  if (!/^\d{1,9}$/.test(cursor)) throw new RangeError('a dead-letter cursor is an offset this API issued');
  return Number(cursor);
}

/**
 * The dead letters waiting for an operator (nothing processes the queue), newest first, with their
 * data. Offset paging: a replay or discard between two pages may shift later entries by one.
 */
export async function listDeadLetters(
  queues: Queues,
  page: { limit: number; cursor?: string },
): Promise<DeadLetterPage> {
  const start = parseDeadLetterCursor(page.cursor);
  const jobs = await queues[QueueName.deadLetter].getJobs(['waiting'], start, start + page.limit, false);
  const letter = jobCatalog[QueueName.deadLetter].payload;
  const items = jobs
    .filter((job) => job !== undefined && job !== null)
    .slice(0, page.limit)
    // Only what the worker writes: a job added to the queue by hand with other data is not listed.
    .flatMap((job) => {
      const data = letter.safeParse(job.data);
      return data.success ? [{ jobId: job.id ?? '', addedAt: job.timestamp, data: data.data }] : [];
    });
  return { items, nextCursor: jobs.length > page.limit ? String(start + page.limit) : null };
}

/** Removes every waiting dead letter of a transaction (one per failure); answers how many went. */
export async function removeDeadLetters(queues: Queues, transactionId: string): Promise<number> {
  const queue = queues[QueueName.deadLetter];
  const chunk = 1000;
  const matching: string[] = [];
  for (let start = 0; ; start += chunk) {
    const jobs = await queue.getJobs(['waiting'], start, start + chunk - 1, false);
    for (const job of jobs) {
      if (job?.id && (job.data as { transactionId?: unknown })?.transactionId === transactionId) matching.push(job.id);
    }
    if (jobs.length < chunk) break;
  }
  let removed = 0;
  for (const jobId of matching) removed += await queue.remove(jobId);
  return removed;
}

export interface ReplayRequest {
  transactionId: string;
  batchId: string;
  round: number;
}

/**
 * Enqueues the new attempt of a replayed payment: a flow of its own (ids of the replay round, so
 * earlier finished jobs do not swallow it) with one pay-transaction child and a finalize-batch parent.
 * Answers the pay job's id.
 */
export async function enqueueReplay(flowProducer: FlowProducer, replay: ReplayRequest, attempts: number) {
  const ids = replayFlowIds(replay.round);
  await addBatchFlow(flowProducer, replay.batchId, [replay.transactionId], { attempts }, ids);
  return { jobId: ids.pay(replay.transactionId) };
}
