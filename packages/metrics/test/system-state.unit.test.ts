import { findSample, parsePrometheusText } from '@payouts/testing';
import { describe, expect, it } from 'vitest';
import { type MetricsLogger, makeRegistry } from '../src/registry.ts';
import { type BatchStatusCount, type QueueJobCounts, registerSystemState } from '../src/system-state.ts';
import { countPaidAmount, makeWorkerMetrics } from '../src/worker-metrics.ts';

const queueCounts: QueueJobCounts = {
  'pay-transaction': { waiting: 4, active: 2, failed: 0 },
  'dead-letter': { waiting: 3, active: 0, failed: 0 },
};
const batchCounts: BatchStatusCount[] = [
  { status: 'PENDING', count: 1, oldestAgeSeconds: 12.5 },
  { status: 'PROCESSING', count: 2, oldestAgeSeconds: 3600 },
  { status: 'COMPLETED', count: 7, oldestAgeSeconds: 86_400 },
];

function silentLogger() {
  const warnings: string[] = [];
  const logger: MetricsLogger = { info: () => {}, warn: (_fields, message) => warnings.push(message) };
  return { logger, warnings };
}

describe('registerSystemState', () => {
  it('reads Redis and Postgres once per scrape into the queue, dead-letter and batch gauges', async () => {
    const registry = makeRegistry();
    const reads = { queues: 0, batches: 0 };
    registerSystemState(
      registry,
      {
        queueJobCounts: async () => {
          reads.queues++;
          return queueCounts;
        },
        deadLetterQueue: 'dead-letter',
        batchStatusCounts: async () => {
          reads.batches++;
          return batchCounts;
        },
      },
      silentLogger().logger,
    );
    const families = parsePrometheusText(await registry.metrics());
    expect(reads).toEqual({ queues: 1, batches: 1 });
    expect(findSample(families, 'payouts_queue_jobs', { queue: 'pay-transaction', state: 'waiting' })?.value).toBe(4);
    expect(findSample(families, 'payouts_queue_jobs', { queue: 'dead-letter', state: 'waiting' })?.value).toBe(3);
    expect(findSample(families, 'payouts_dead_letters_waiting')?.value).toBe(3);
    expect(findSample(families, 'payouts_batches', { status: 'COMPLETED' })?.value).toBe(7);
    expect(findSample(families, 'payouts_batch_oldest_age_seconds', { status: 'PROCESSING' })?.value).toBe(3600);
    // Settled statuses have no age: nobody waits on them.
    expect(findSample(families, 'payouts_batch_oldest_age_seconds', { status: 'COMPLETED' })).toBeUndefined();

    await registry.metrics();
    expect(reads).toEqual({ queues: 2, batches: 2 });
  });

  it('a failed read leaves its gauges out, counts the error and still answers', async () => {
    const registry = makeRegistry();
    const { logger, warnings } = silentLogger();
    registerSystemState(
      registry,
      {
        queueJobCounts: async () => {
          throw new Error('Connection is closed.');
        },
        deadLetterQueue: 'dead-letter',
        batchStatusCounts: async () => batchCounts,
      },
      logger,
    );
    const families = parsePrometheusText(await registry.metrics());
    expect(families.get('payouts_queue_jobs')?.samples).toEqual([]);
    expect(families.get('payouts_dead_letters_waiting')?.samples).toEqual([]);
    expect(findSample(families, 'payouts_batches', { status: 'PENDING' })?.value).toBe(1);
    // Both queue gauges shared the one failed read: one error, not two.
    expect(findSample(families, 'payouts_metrics_collect_errors_total', { source: 'queues' })?.value).toBe(1);
    expect(findSample(families, 'payouts_metrics_collect_errors_total', { source: 'batches' })?.value).toBe(0);
    expect(warnings).toEqual(['metrics: could not read the shared state']);
  });

  it('gives up on a read that hangs, so that a scrape answers before Prometheus times out', async () => {
    const registry = makeRegistry();
    const { logger, warnings } = silentLogger();
    registerSystemState(
      registry,
      {
        queueJobCounts: async () => queueCounts,
        deadLetterQueue: 'dead-letter',
        batchStatusCounts: () => new Promise<never>(() => {}),
      },
      logger,
      { readTimeoutMs: 50 },
    );
    const families = parsePrometheusText(await registry.metrics());
    expect(families.get('payouts_batches')?.samples).toEqual([]);
    expect(findSample(families, 'payouts_dead_letters_waiting')?.value).toBe(3);
    expect(findSample(families, 'payouts_metrics_collect_errors_total', { source: 'batches' })?.value).toBe(1);
    expect(warnings).toEqual(['metrics: could not read the shared state']);
  });
});

describe('countPaidAmount', () => {
  it('adds integer cents exactly, up to 2^53 - 1, and refuses more', async () => {
    const metrics = makeWorkerMetrics();
    countPaidAmount(metrics, 'USD', 15651n);
    countPaidAmount(metrics, 'USD', 1n);
    const families = parsePrometheusText(await metrics.registry.metrics());
    expect(findSample(families, 'payouts_paid_amount_cents_total', { currency: 'USD' })?.raw).toBe('15652');

    const large = makeWorkerMetrics();
    countPaidAmount(large, 'USD', BigInt(Number.MAX_SAFE_INTEGER));
    const text = await large.registry.metrics();
    expect(findSample(parsePrometheusText(text), 'payouts_paid_amount_cents_total', { currency: 'USD' })?.raw).toBe(
      '9007199254740991',
    );
    expect(() => countPaidAmount(large, 'USD', BigInt(Number.MAX_SAFE_INTEGER) + 1n)).toThrow(RangeError);
    expect(() => countPaidAmount(large, 'USD', -1n)).toThrow(RangeError);
  });

  it('starts every known outcome at 0, so the first payment is a visible increase', async () => {
    const families = parsePrometheusText(await makeWorkerMetrics().registry.metrics());
    const outcomes = families.get('payouts_payment_attempts_total')?.samples.map((s) => s.labels.outcome);
    expect(outcomes).toEqual(expect.arrayContaining(['completed', 'retrying', 'failed', 'not_claimable']));
    expect(findSample(families, 'payouts_payment_attempts_total', { outcome: 'completed' })?.raw).toBe('0');
  });
});
