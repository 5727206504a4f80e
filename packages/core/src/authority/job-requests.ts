import type { Prisma } from '@payouts/db';
import type { Actor, CoreDeps, DbClient } from '../deps.ts';

/** Work someone asked for, as Postgres recorded it: the only source of its actor and parameters. */
export interface JobRequestRecord {
  id: string;
  queue: string;
  name: string;
  actor: string;
  params: Prisma.JsonValue;
  result: Prisma.JsonValue | null;
  completedAt: Date | null;
}

export interface NewJobRequest {
  /** The id its job is enqueued under. */
  id: string;
  queue: string;
  name: string;
  params?: Prisma.InputJsonObject;
}

/** Records a request before its job is enqueued; the job carries only this id. */
export async function recordJobRequest(deps: CoreDeps, request: NewJobRequest, who: Actor): Promise<void> {
  await deps.db.jobRequest.create({
    data: { id: request.id, queue: request.queue, name: request.name, actor: who.actor, params: request.params ?? {} },
  });
}

/** The request a job was enqueued for, when it is one of this queue and name; null for a job nobody asked for. */
export async function findJobRequest(
  deps: CoreDeps,
  id: string,
  expected: { queue: string; name: string },
): Promise<JobRequestRecord | null> {
  const row = await deps.db.jobRequest.findUnique({ where: { id } });
  if (!row || row.queue !== expected.queue || row.name !== expected.name) return null;
  return row;
}

/**
 * Marks a request done with its result, only once (compare-and-set on completedAt). Pass the DB
 * transaction that made the request's effects, so that effects and completion commit together.
 * Answers false when it was completed already.
 */
export async function completeJobRequest(db: DbClient, id: string, result: Prisma.InputJsonValue): Promise<boolean> {
  const updated = await db.jobRequest.updateMany({
    where: { id, completedAt: null },
    data: { completedAt: new Date(), result },
  });
  return updated.count === 1;
}
