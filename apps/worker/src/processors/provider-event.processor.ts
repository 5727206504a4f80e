import { applyStoredEvent, type EventApplication, NotFoundError, recordEventFailed } from '@payouts/core';
import { QueueName } from '@payouts/queue';
import { type Job, UnrecoverableError } from 'bullmq';
import type { WorkerDeps } from '../worker-deps.ts';
import { parsePayloadOrRefuse, refuseJob } from './job-refusal.ts';

/** An event naming a payment still in flight here: thrown so that BullMQ tries it again with backoff. */
export class EventWaitingError extends Error {
  override name = 'EventWaitingError';
}

/**
 * provider-events: applies one stored provider event (confirmation, reversal, payee joined). The job
 * names a row that only the API writes, after checking the provider's signature; what to do is read
 * from that row. WAITING is retried; once the attempts run out the event stays WAITING and the
 * reconciler gives it a new job later. Errors on the last attempt leave it FAILED for an operator.
 */
export function makeProviderEventProcessor(deps: WorkerDeps) {
  return async (job: Job): Promise<EventApplication> => {
    const { eventId } = await parsePayloadOrRefuse(deps, QueueName.providerEvents, job);
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    let applied: EventApplication;
    try {
      applied = await applyStoredEvent(deps, eventId);
    } catch (error) {
      if (error instanceof NotFoundError) throw await refuseJob(deps, job, `provider event ${eventId} does not exist`);
      if (lastAttempt) {
        await recordEventFailed(deps, eventId, (error as Error).message);
        deps.metrics.providerEventsApplied.inc({ status: 'FAILED' });
      }
      throw error;
    }
    if (applied.status === 'WAITING' && !lastAttempt) throw new EventWaitingError(applied.message);
    // Counted once, when its application ends here; an event settled earlier was counted then.
    if (!applied.alreadySettled) deps.metrics.providerEventsApplied.inc({ status: applied.status });
    if (applied.status === 'FAILED' && !applied.alreadySettled) throw new UnrecoverableError(applied.message);
    if (applied.status === 'CONFLICT' && !applied.alreadySettled) {
      deps.logger.warn({ eventId, message: applied.message }, 'provider event contradicts our records');
    }
    return applied;
  };
}
