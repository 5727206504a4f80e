import { writeAudit } from '../audit.ts';
import type { Actor, CoreDeps } from '../deps.ts';

/** The id of the nightly payout's schedule row (and of its job scheduler in the queue). */
export const nightlyPayoutScheduleId = 'nightly-payout';

export interface PayoutScheduleSettings {
  cron: string;
  timeZone: string;
  enabled: boolean;
  autoExecute: boolean;
}

export interface PayoutScheduleRecord extends PayoutScheduleSettings {
  updatedBy: string;
  updatedAt: Date;
}

export async function getPayoutSchedule(deps: CoreDeps): Promise<PayoutScheduleRecord | null> {
  return deps.db.payoutSchedule.findUnique({
    where: { id: nightlyPayoutScheduleId },
    select: { cron: true, timeZone: true, enabled: true, autoExecute: true, updatedBy: true, updatedAt: true },
  });
}

/** Sets the nightly schedule and writes who changed it, and to what, in the same DB transaction. */
export async function setPayoutSchedule(
  deps: CoreDeps,
  settings: PayoutScheduleSettings,
  who: Actor,
): Promise<PayoutScheduleRecord> {
  return deps.db.$transaction(async (tx) => {
    const data = { ...settings, updatedBy: who.actor };
    const saved = await tx.payoutSchedule.upsert({
      where: { id: nightlyPayoutScheduleId },
      create: { id: nightlyPayoutScheduleId, ...data },
      update: data,
    });
    await writeAudit(tx, who, { action: 'schedule.nightly_payout.changed', status: 'INFO', details: { ...settings } });
    return saved;
  });
}

/**
 * The schedule, created from the given defaults (the environment) the first time; after that the
 * row, changed only through the API, wins.
 */
export async function ensurePayoutSchedule(
  deps: CoreDeps,
  defaults: PayoutScheduleSettings,
  who: Actor,
): Promise<PayoutScheduleRecord> {
  const existing = await getPayoutSchedule(deps);
  if (existing) return existing;
  try {
    return await deps.db.$transaction(async (tx) => {
      const created = await tx.payoutSchedule.create({
        data: { id: nightlyPayoutScheduleId, ...defaults, updatedBy: who.actor },
      });
      await writeAudit(tx, who, {
        action: 'schedule.nightly_payout.changed',
        status: 'INFO',
        details: { ...defaults, source: 'environment' },
      });
      return created;
    });
  } catch (error) {
    // Another worker process created it at the same moment: theirs stands.
    const raced = await getPayoutSchedule(deps);
    if (raced) return raced;
    throw error;
  }
}
