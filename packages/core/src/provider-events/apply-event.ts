import type { ProviderEventStatus } from '@payouts/db';
import { type ProviderEvent, ProviderEventUnreadableError, readRiseEvent } from '@payouts/providers';
import { writeAudit } from '../audit.ts';
import type { Actor, CoreDeps } from '../deps.ts';
import { NotFoundError } from '../errors.ts';
import { applyPayeeJoined } from './payee-events.ts';
import { type ApplyOutcome, applyPaymentRemoved, applyPaymentSent } from './payment-events.ts';

/** Who applies a webhook: the provider, whose signed word it is. */
export const webhookActor: Actor = { actor: 'provider:riseworks' };

/** Statuses an event keeps: applying it again changes nothing. */
const settled = new Set<ProviderEventStatus>(['APPLIED', 'IGNORED', 'CONFLICT', 'FAILED']);

export type EventApplication = { status: ProviderEventStatus; message: string; alreadySettled: boolean };

/**
 * Applies one stored provider event and records how that ended on the event, in one DB transaction
 * with the change it makes. The event row is locked first, so two jobs for one event apply it once;
 * an event already settled is left as it is. WAITING means: apply it again later.
 */
export async function applyStoredEvent(deps: CoreDeps, eventId: string): Promise<EventApplication> {
  return deps.db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ id: string; status: ProviderEventStatus; payload: unknown }[]>`
      SELECT "id", "status", "payload" FROM "RiseWorksWebhookEvent" WHERE "id" = ${eventId} FOR UPDATE`;
    const stored = rows[0];
    if (!stored) throw new NotFoundError('provider event', eventId);
    if (settled.has(stored.status)) return { status: stored.status, message: 'settled already', alreadySettled: true };

    let outcome: ApplyOutcome | { status: 'FAILED'; message: string; transactionId?: undefined };
    try {
      outcome = await dispatch(tx, readRiseEvent(stored.payload as Record<string, unknown>), eventId);
    } catch (error) {
      if (!(error instanceof ProviderEventUnreadableError)) throw error;
      outcome = { status: 'FAILED', message: error.message };
    }
    const processed = outcome.status !== 'WAITING' && outcome.status !== 'FAILED';
    await tx.riseWorksWebhookEvent.update({
      where: { id: eventId },
      data: {
        status: outcome.status,
        processed,
        processedAt: processed ? new Date() : null,
        errorMessage: outcome.status === 'APPLIED' ? null : outcome.message,
        attempts: { increment: 1 },
        lastAttemptAt: new Date(),
        ...(outcome.transactionId ? { transactionId: outcome.transactionId } : {}),
      },
    });
    return { status: outcome.status, message: outcome.message, alreadySettled: false };
  });
}

async function dispatch(
  tx: Parameters<Parameters<CoreDeps['db']['$transaction']>[0]>[0],
  event: ProviderEvent,
  eventId: string,
): Promise<ApplyOutcome> {
  const source = { eventId };
  switch (event.kind) {
    case 'payment.sent':
      return applyPaymentSent(tx, { ...event, source }, webhookActor);
    case 'payment.removed':
      return applyPaymentRemoved(tx, { ...event, source }, webhookActor);
    case 'payee.joined':
      return applyPayeeJoined(tx, { ...event, eventId }, webhookActor);
    case 'other':
      return { status: 'IGNORED', message: `nothing to apply for ${event.eventType}` };
  }
}

/** The event's job gave up (its attempts ran out on errors): FAILED, for an operator to replay. */
export async function recordEventFailed(deps: CoreDeps, eventId: string, message: string): Promise<boolean> {
  const error = message.slice(0, 2000);
  return deps.db.$transaction(async (tx) => {
    const event = await tx.riseWorksWebhookEvent.findUnique({
      where: { id: eventId },
      select: { status: true, transactionId: true, eventType: true },
    });
    if (!event || (event.status !== 'RECEIVED' && event.status !== 'WAITING')) return false;
    const updated = await tx.riseWorksWebhookEvent.updateMany({
      where: { id: eventId, status: event.status },
      data: { status: 'FAILED', errorMessage: error, lastAttemptAt: new Date() },
    });
    if (updated.count !== 1) return false;
    await writeAudit(tx, webhookActor, {
      action: 'provider_event.failed',
      status: 'FAILURE',
      transactionId: event.transactionId,
      fromStatus: event.status,
      toStatus: 'FAILED',
      details: { eventId, eventType: event.eventType, error },
    });
    return true;
  });
}
