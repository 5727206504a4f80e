import { createBatches, parseUsd, queueBatchExecution } from '@payouts/core';
import {
  findSample,
  insertAffiliate,
  type MetricFamily,
  makeTestContext,
  parsePrometheusText,
  type TestContext,
} from '@payouts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureWorkerSchedulers } from '../src/processors/maintenance.processor.ts';
import type { RunningWorkers } from '../src/start-workers.ts';
import { startEngine, waitForBatch, waitUntil } from './support/engine-harness.ts';

// Real workers in this process with their scheduled reconciler, on real Postgres and Redis; the metrics
// are read from the worker's own registry, as /metrics serves it, and parsed as the text format.
let ctx: TestContext;
let running: RunningWorkers | undefined;

beforeAll(async () => {
  ctx = await makeTestContext();
});
afterAll(async () => {
  await running?.close();
  await ctx?.cleanup();
});

const valueIn = (families: Map<string, MetricFamily>, name: string, labels: Record<string, string> = {}) =>
  findSample(families, name, labels)?.value;

describe('worker metrics', () => {
  it('count a refused payee by error class and dead letter, and the repair the reconciler made', async () => {
    const paid = [
      ['50.00', '0.55'],
      ['12.34', '87.66'],
    ];
    for (const commissions of paid) await insertAffiliate(ctx.db, { commissions });
    const refused = await insertAffiliate(ctx.db, { commissions: ['70.00'] });
    const engine = startEngine(ctx, {
      RECONCILE_EVERY_MS: '300',
      MOCK_PROVIDER_FAULTS_BY_PAYEE: `${refused.riseId}=permanent`,
    });
    running = engine.running;
    const { deps } = engine;
    await ensureWorkerSchedulers(deps);
    const scrape = async () => parsePrometheusText(await deps.metrics.registry.metrics());

    // QUEUED in Postgres, but Redis never got its execute job: only the reconciler can start it.
    const created = await createBatches(
      deps,
      { provider: 'MOCK', minPayout: '50.00', maxBatchSize: 100 },
      { actor: 'test:admin' },
    );
    const batchId = created.batches[0]?.id ?? '';
    await queueBatchExecution(deps, batchId, { actor: 'test:admin' });
    expect(await waitForBatch(deps, batchId)).toBe('FAILED');
    await waitUntil(async () => valueIn(await scrape(), 'payouts_dead_letters_waiting') === 1, 'the dead letter');

    const families = await scrape();
    expect(valueIn(families, 'payouts_reconciler_repairs_total', { repair: 'requeuedExecutions' })).toBe(1);
    expect(valueIn(families, 'payouts_payment_attempts_total', { outcome: 'completed' })).toBe(4);
    expect(valueIn(families, 'payouts_payment_attempts_total', { outcome: 'failed' })).toBe(1);
    expect(valueIn(families, 'payouts_payment_attempts_total', { outcome: 'retrying' })).toBe(0);
    const cents = findSample(families, 'payouts_paid_amount_cents_total', { currency: 'USD' })?.raw ?? '';
    expect(BigInt(cents)).toBe(paid.flat().reduce((sum, amount) => sum + parseUsd(amount), 0n));
    const sends = { provider: 'MOCK', operation: 'sendPayment' };
    expect(valueIn(families, 'payouts_provider_errors_total', { ...sends, error: 'ProviderPermanentError' })).toBe(1);
    expect(families.get('payouts_provider_errors_total')?.samples).toHaveLength(1);
    expect(valueIn(families, 'payouts_provider_call_duration_seconds_count', sends)).toBe(5);
    expect(valueIn(families, 'payouts_batches', { status: 'FAILED' })).toBe(1);
    expect(valueIn(families, 'payouts_queue_jobs', { queue: 'dead-letter', state: 'waiting' })).toBe(1);
  });
});
