import type { FlowJob, FlowProducer, JobsOptions, Queue } from 'bullmq';
import { paymentBackoffType } from './backoff.ts';
import { type JobPayload, jobCatalog, retention } from './catalog.ts';
import { finalizeJobId, flowGateJobId, payJobId } from './job-ids.ts';
import { QueueName } from './names.ts';

export interface PayRetry {
  attempts: number;
}

/** Job ids of a flow: the first execution uses the plain ids; a replay needs ids not taken yet. */
export interface FlowIds {
  pay(transactionId: string): string;
  finalize(batchId: string): string;
}

const defaultFlowIds: FlowIds = { pay: payJobId, finalize: finalizeJobId };

/**
 * The flow of one batch execution: a finalize-batch parent that runs once every pay-transaction
 * child has settled, failed ones included (`ignoreDependencyOnFailure`), so one failed payment
 * never leaves the batch waiting forever.
 */
export function buildBatchFlow(
  batchId: string,
  transactionIds: readonly string[],
  retry: PayRetry,
  ids: FlowIds = defaultFlowIds,
): FlowJob {
  const children: FlowJob[] = transactionIds.map((transactionId) => ({
    queueName: QueueName.payTransaction,
    ...payChild(batchId, transactionId, retry, ids),
  }));
  return {
    name: QueueName.finalizeBatch,
    queueName: QueueName.finalizeBatch,
    data: { batchId } satisfies JobPayload<'finalize-batch'>,
    opts: { jobId: ids.finalize(batchId), ...jobCatalog[QueueName.finalizeBatch].options, ...retention },
    children,
  };
}

/** One pay-transaction child of a batch's flow: its name, payload and options. */
function payChild(batchId: string, transactionId: string, retry: PayRetry, ids: FlowIds) {
  return {
    name: QueueName.payTransaction,
    data: { transactionId, batchId } satisfies JobPayload<'pay-transaction'>,
    opts: {
      jobId: ids.pay(transactionId),
      attempts: retry.attempts,
      // delays come from the worker's strategy (config, jitter, Retry-After): see backoff.ts
      backoff: { type: paymentBackoffType },
      ignoreDependencyOnFailure: true,
      ...retention,
    } satisfies JobsOptions,
  };
}

export async function addBatchFlow(
  flowProducer: FlowProducer,
  batchId: string,
  transactionIds: readonly string[],
  retry: PayRetry,
  ids: FlowIds = defaultFlowIds,
) {
  return flowProducer.add(buildBatchFlow(batchId, transactionIds, retry, ids));
}

/** The finalize-batch queue's job that holds a large flow open while its children are added: it does nothing. */
export const flowGateJobName = 'flow-gate';
/** How long the gate holds if whoever adds the children dies before opening it. */
const gateHoldMs = 10 * 60_000;
const childrenPerChunk = 1000;

/**
 * The flow of a batch of any size, added without holding all of its children at once: the finalize
 * parent with a gate child (delayed) and the first chunk, then the other chunks as children of that
 * parent, then the gate opened. Until the gate runs the parent cannot leave waiting-children, so it never
 * finalizes before its last chunk is in. Every id is fixed, so adding it again (a re-run of the execute
 * job) adds only what is missing. A flow of one chunk is added as one flow, as before.
 */
export async function addBatchFlowInChunks(
  flowProducer: FlowProducer,
  queues: { payTransaction: Queue; finalizeBatch: Queue },
  batchId: string,
  transactionIds: readonly string[],
  retry: PayRetry,
) {
  if (transactionIds.length <= childrenPerChunk) {
    const added = await addBatchFlow(flowProducer, batchId, transactionIds, retry);
    // A re-run after an attempt that died between its chunks (fewer payments are left unsettled now):
    // that attempt's gate still holds the parent, for gateHoldMs. Every child is in now: open it.
    await openGate(queues.finalizeBatch, batchId);
    return added;
  }
  const flow = buildBatchFlow(batchId, transactionIds.slice(0, childrenPerChunk), retry);
  const gate: FlowJob = {
    name: flowGateJobName,
    queueName: QueueName.finalizeBatch,
    data: { batchId } satisfies JobPayload<'finalize-batch'>,
    opts: { jobId: flowGateJobId(batchId), delay: gateHoldMs, ...retention },
  };
  await flowProducer.add({ ...flow, children: [gate, ...(flow.children ?? [])] });
  const parent = { id: finalizeJobId(batchId), queue: queues.finalizeBatch.qualifiedName };
  for (let start = childrenPerChunk; start < transactionIds.length; start += childrenPerChunk) {
    const chunk = transactionIds.slice(start, start + childrenPerChunk);
    await queues.payTransaction.addBulk(
      chunk.map((transactionId) => {
        const child = payChild(batchId, transactionId, retry, { pay: payJobId, finalize: finalizeJobId });
        return { ...child, opts: { ...child.opts, parent } };
      }),
    );
  }
  await openGate(queues.finalizeBatch, batchId);
}

/** Runs the batch's gate now if it is still holding its parent (it exists only for flows added in chunks). */
async function openGate(finalizeBatch: Queue, batchId: string): Promise<void> {
  const held = await finalizeBatch.getJob(flowGateJobId(batchId));
  if (held && (await held.isDelayed())) await held.promote();
}
