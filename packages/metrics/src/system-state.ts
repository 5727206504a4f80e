import { Counter, Gauge, type Registry } from 'prom-client';
import type { MetricsLogger } from './registry.ts';

/** Jobs per state of each queue, as BullMQ counts them: `{ 'pay-transaction': { waiting: 3, ... } }`. */
export type QueueJobCounts = Record<string, Record<string, number>>;

/** One batch status: how many batches have it, and how long ago the longest-unchanged of them changed. */
export interface BatchStatusCount {
  status: string;
  count: number;
  oldestAgeSeconds: number;
}

/** Reads the shared state at scrape time; the apps pass functions so this package needs neither BullMQ nor Prisma. */
export interface SystemStateReaders {
  queueJobCounts(): Promise<QueueJobCounts>;
  /** Which queue of queueJobCounts holds the dead letters (its waiting jobs are the dead letters). */
  deadLetterQueue: string;
  /** Every batch status, including those no batch has (count 0). */
  batchStatusCounts(): Promise<BatchStatusCount[]>;
}

/** Statuses a batch should not stay in for long: their oldest age is exported. */
const watchedBatchStatuses = new Set(['PENDING', 'QUEUED', 'PROCESSING']);

/** A scrape waits at most this long for Redis or Postgres (Prometheus gives up after 10 s by default). */
const defaultReadTimeoutMs = 5_000;

/**
 * Registers the gauges of the system's shared state, read from Redis and Postgres each time /metrics is
 * scraped: queue depths, dead letters waiting, batches by status and the age of the oldest one still open.
 * Every process reports the same values (they are not this process's own): aggregate with max(), not sum().
 * A failed read leaves its gauges out of that scrape and counts an error, so /metrics still answers while
 * Redis or Postgres is down.
 */
export function registerSystemState(
  registry: Registry,
  readers: SystemStateReaders,
  logger: MetricsLogger,
  { readTimeoutMs = defaultReadTimeoutMs } = {},
): void {
  const readOrCount = async <T>(read: () => Promise<T>, source: string): Promise<T | undefined> => {
    try {
      return await withTimeout(read(), source, readTimeoutMs);
    } catch (error) {
      collectErrors.inc({ source });
      logger.warn({ source, err: (error as Error).message }, 'metrics: could not read the shared state');
      return undefined;
    }
  };
  // One read of each source per scrape, shared by the gauges it fills (prom-client collects them together).
  const queueRead = sharedRead(() => readOrCount(readers.queueJobCounts, 'queues'));
  const batchRead = sharedRead(() => readOrCount(readers.batchStatusCounts, 'batches'));

  const collectErrors: Counter<'source'> = new Counter({
    name: 'payouts_metrics_collect_errors_total',
    help: 'Scrapes whose read of the shared state failed or timed out, by source (queues: Redis, batches: Postgres)',
    labelNames: ['source'],
    registers: [registry],
    // Waits for this scrape's reads, so that their errors are in this scrape's count.
    async collect() {
      await Promise.all([queueRead(), batchRead()]);
    },
  });
  for (const source of ['queues', 'batches']) collectErrors.inc({ source }, 0);

  const queueJobs: Gauge<'queue' | 'state'> = new Gauge({
    name: 'payouts_queue_jobs',
    help: 'Jobs in each BullMQ queue by state, read from Redis at scrape time (the same in every process)',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      queueJobs.reset();
      const counts = await queueRead();
      for (const [queue, states] of Object.entries(counts ?? {})) {
        for (const [state, count] of Object.entries(states)) queueJobs.set({ queue, state }, count);
      }
    },
  });

  const deadLetters: Gauge = new Gauge({
    name: 'payouts_dead_letters_waiting',
    help: 'Payments in the dead-letter queue waiting for an operator to replay or discard them',
    registers: [registry],
    async collect() {
      const counts = await queueRead();
      const waiting = counts?.[readers.deadLetterQueue]?.waiting;
      // Left out rather than reset: a gauge without labels resets to 0, which would read as "no dead letters".
      if (waiting === undefined) deadLetters.remove();
      else deadLetters.set(waiting);
    },
  });

  const batches: Gauge<'status'> = new Gauge({
    name: 'payouts_batches',
    help: 'Payment batches by status, counted in Postgres at scrape time (the same in every process)',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      batches.reset();
      for (const row of (await batchRead()) ?? []) batches.set({ status: row.status }, row.count);
    },
  });

  const oldestBatchAge: Gauge<'status'> = new Gauge({
    name: 'payouts_batch_oldest_age_seconds',
    help:
      'Seconds since the longest-waiting batch of a not-yet-settled status (PENDING, QUEUED, PROCESSING) last ' +
      'changed status; 0 when no batch has that status',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      oldestBatchAge.reset();
      for (const row of (await batchRead()) ?? []) {
        if (watchedBatchStatuses.has(row.status)) oldestBatchAge.set({ status: row.status }, row.oldestAgeSeconds);
      }
    },
  });
}

/** Callers that come while a read is in flight share it; the next call after it settles reads again. */
function sharedRead<T>(read: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | undefined;
  return () => {
    inFlight ??= read().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
}

function withTimeout<T>(promise: Promise<T>, source: string, readTimeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`reading ${source} took longer than ${readTimeoutMs} ms`)),
      readTimeoutMs,
    );
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
