import type { ProviderEventStatus } from '@payouts/db';
import { writeAudit } from '../audit.ts';
import type { Actor, CoreDeps } from '../deps.ts';
import { ConflictError, NotFoundError } from '../errors.ts';

export interface EventToApply {
  id: string;
  status: ProviderEventStatus;
  /** Jobs given after the first; the newest job's id derives from it. */
  requeueCount: number;
}

/**
 * Events not applied yet (RECEIVED, or WAITING for a payment in flight) that nothing has tried for
 * `quietMs`: the reconciler gives each one a job unless one is still live.
 */
export async function findEventsToApply(
  deps: CoreDeps,
  options: { quietMs: number; limit: number },
): Promise<EventToApply[]> {
  return deps.db.$queryRaw<EventToApply[]>`
    SELECT "id", "status", "requeueCount" FROM "RiseWorksWebhookEvent"
    WHERE "status" IN ('RECEIVED', 'WAITING')
      AND coalesce("lastAttemptAt", "receivedAt") < now() - ${options.quietMs} * interval '1 millisecond'
    ORDER BY "receivedAt", "id"
    LIMIT ${options.limit}`;
}

/** Counts one more job for each event; answers each one's new count, which names its new job. */
export async function recordEventsRequeued(deps: CoreDeps, eventIds: readonly string[]): Promise<Map<string, number>> {
  if (eventIds.length === 0) return new Map();
  const rows = await deps.db.$queryRaw<{ id: string; requeueCount: number }[]>`
    UPDATE "RiseWorksWebhookEvent" SET "requeueCount" = "requeueCount" + 1
    WHERE "id" = ANY(${eventIds}::text[]) RETURNING "id", "requeueCount"`;
  return new Map(rows.map((row) => [row.id, row.requeueCount]));
}

const replayable: ProviderEventStatus[] = ['FAILED', 'CONFLICT', 'IGNORED', 'WAITING'];

/**
 * An operator asks for an event to be applied again: back to RECEIVED (compare-and-set on the status
 * read), one more job counted, audited with who asked. APPLIED events are refused: applying them again
 * would change nothing; RECEIVED ones are waiting for their job already.
 */
export async function markEventForReplay(
  deps: CoreDeps,
  eventId: string,
  who: Actor,
): Promise<{ eventId: string; requeueCount: number; previousStatus: ProviderEventStatus }> {
  return deps.db.$transaction(async (tx) => {
    const event = await tx.riseWorksWebhookEvent.findUnique({
      where: { id: eventId },
      select: { status: true, transactionId: true, eventType: true, providerEventId: true },
    });
    if (!event) throw new NotFoundError('provider event', eventId);
    if (!replayable.includes(event.status)) {
      throw new ConflictError(`the event is ${event.status}: only ${replayable.join(', ')} events are replayed`, {
        status: event.status,
      });
    }
    const updated = await tx.riseWorksWebhookEvent.updateMany({
      where: { id: eventId, status: event.status },
      data: { status: 'RECEIVED', processed: false, processedAt: null, requeueCount: { increment: 1 } },
    });
    if (updated.count !== 1) throw new ConflictError('the event changed meanwhile; try again');
    const { requeueCount } = await tx.riseWorksWebhookEvent.findUniqueOrThrow({
      where: { id: eventId },
      select: { requeueCount: true },
    });
    await writeAudit(tx, who, {
      action: 'provider_event.replayed',
      status: 'INFO',
      transactionId: event.transactionId,
      fromStatus: event.status,
      toStatus: 'RECEIVED',
      details: { eventId, eventType: event.eventType, providerEventId: event.providerEventId },
    });
    return { eventId, requeueCount, previousStatus: event.status };
  });
}
