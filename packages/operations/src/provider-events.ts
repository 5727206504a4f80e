import {
  type Actor,
  findEventsToApply,
  markEventForReplay,
  type RiseWebhookInput,
  receiveRiseWebhook,
  recordEventsRequeued,
  type WebhookReceipt,
} from '@payouts/core';
import { enqueue, jobCatalog, providerEventJobId, QueueName, retention } from '@payouts/queue';
import type { OperationsDeps } from './deps.ts';

const liveStates = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'paused']);

/**
 * A webhook from Rise: checked and stored once (core), then given a job that applies it. The event is
 * durable once stored, so a failed enqueue (Redis away) is only logged: the reconciler gives every
 * stored event that has no job one, and the provider still gets its 2xx.
 */
export async function receiveProviderWebhook(deps: OperationsDeps, input: RiseWebhookInput): Promise<WebhookReceipt> {
  const receipt = await receiveRiseWebhook(deps, input);
  if (receipt.refused || receipt.duplicate) return receipt;
  try {
    await enqueue(
      deps.queues,
      QueueName.providerEvents,
      { eventId: receipt.eventId },
      providerEventJobId(receipt.eventId),
    );
  } catch (error) {
    deps.logger.error(
      { eventId: receipt.eventId, err: (error as Error).message },
      'provider event stored but not queued; the reconciler will queue it',
    );
  }
  return receipt;
}

/** An operator replays a stored event: recorded in Postgres with who asked, then a new job applies it. */
export async function replayProviderEvent(deps: OperationsDeps, eventId: string, who: Actor) {
  const marked = await markEventForReplay(deps, eventId, who);
  const jobId = providerEventJobId(eventId, marked.requeueCount);
  await enqueue(deps.queues, QueueName.providerEvents, { eventId }, jobId);
  return { ...marked, jobId };
}

/**
 * Stored events not applied yet (lost job, Redis flushed, or WAITING past its job's retries) that have
 * no live job get a new one, all added at once.
 */
export async function requeueProviderEvents(deps: OperationsDeps, quietMs: number): Promise<number> {
  const queue = deps.queues[QueueName.providerEvents];
  const events = await findEventsToApply(deps, { quietMs, limit: 5000 });
  const states = await Promise.all(
    events.map((event) => queue.getJobState(providerEventJobId(event.id, event.requeueCount))),
  );
  const orphaned = events.filter((_, n) => !liveStates.has(states[n] ?? 'unknown'));
  if (orphaned.length === 0) return 0;
  const counts = await recordEventsRequeued(
    deps,
    orphaned.map((event) => event.id),
  );
  const options = { ...jobCatalog[QueueName.providerEvents].options, ...retention };
  await queue.addBulk(
    orphaned.map((event) => ({
      name: QueueName.providerEvents,
      data: jobCatalog[QueueName.providerEvents].payload.parse({ eventId: event.id }),
      opts: { ...options, jobId: providerEventJobId(event.id, counts.get(event.id) ?? event.requeueCount + 1) },
    })),
  );
  return orphaned.length;
}
