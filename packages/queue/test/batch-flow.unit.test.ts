import { describe, expect, it } from 'vitest';
import {
  buildBatchFlow,
  parsePayload,
  payJobId,
  paymentBackoffType,
  QueueName,
  queueOfJobId,
  replayFlowIds,
} from '../src/index.ts';

describe('buildBatchFlow', () => {
  const flow = buildBatchFlow('batch1', ['tx1', 'tx2'], { attempts: 7 });

  it('puts one pay-transaction child per transaction under a finalize-batch parent', () => {
    expect(flow.queueName).toBe(QueueName.finalizeBatch);
    expect(flow.opts?.jobId).toBe('finalize-batch1');
    expect(flow.children?.map((c) => [c.queueName, c.opts?.jobId, c.data])).toEqual([
      [QueueName.payTransaction, 'pay-tx1', { transactionId: 'tx1', batchId: 'batch1' }],
      [QueueName.payTransaction, 'pay-tx2', { transactionId: 'tx2', batchId: 'batch1' }],
    ]);
  });

  it('lets the parent run after failed children and uses the configured retries', () => {
    for (const child of flow.children ?? []) {
      expect(child.opts).toMatchObject({
        ignoreDependencyOnFailure: true,
        attempts: 7,
        backoff: { type: paymentBackoffType },
      });
    }
  });
});

describe('job ids', () => {
  it('derive from domain ids and map back to their queue', () => {
    expect(payJobId('abc')).toBe('pay-abc');
    expect(queueOfJobId('pay-abc')).toBe(QueueName.payTransaction);
    expect(queueOfJobId('execute-abc')).toBe(QueueName.executeBatch);
    expect(queueOfJobId('create-0b5c')).toBe(QueueName.createBatch);
    expect(queueOfJobId('12345')).toBeUndefined();
    expect(queueOfJobId('toString')).toBeUndefined();
    expect(queueOfJobId('constructor-x')).toBeUndefined();
  });
});

describe('job catalog', () => {
  it('rejects payloads with unknown or missing fields', () => {
    expect(() => parsePayload(QueueName.payTransaction, { transactionId: 't' })).toThrow();
    // An actor in a payload is not accepted: who executes a batch is read from Postgres.
    expect(() => parsePayload(QueueName.executeBatch, { batchId: 'b', actor: 'a' })).toThrow();
    expect(parsePayload(QueueName.executeBatch, { batchId: 'b' })).toEqual({ batchId: 'b' });
  });
});

describe('replay flows', () => {
  it('use ids the first execution did not take', () => {
    const replay = buildBatchFlow('b', ['t'], { attempts: 1 }, replayFlowIds(2));
    expect(replay.opts?.jobId).toBe('finalize-b-replay2');
    expect(replay.children?.[0]?.opts?.jobId).toBe('pay-t-replay2');
    expect(queueOfJobId('pay-t-replay2')).toBe(QueueName.payTransaction);
  });
});
