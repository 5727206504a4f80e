import type { Job } from 'bullmq';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { rememberedBatches, reportBatchProgress } from '../src/processors/batch-progress.ts';

const finalizeQueue = { getJob: async () => undefined };
const childOf = (parentId: string) => ({ parent: { id: parentId } }) as unknown as Job;

describe('batch progress throttle', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('remembers only the batches of the last seconds, however many a worker pays', async () => {
    vi.useFakeTimers({ now: new Date('2026-12-01T00:00:00Z') });
    for (let i = 0; i < 1000; i++) await reportBatchProgress(childOf(`f${i}`), `batch-${i}`, finalizeQueue);
    expect(rememberedBatches()).toBe(1000);
    vi.advanceTimersByTime(11_000);
    await reportBatchProgress(childOf('f-new'), 'batch-new', finalizeQueue);
    expect(rememberedBatches()).toBe(1);
  });
});
