import type { Db } from '@payouts/db';
import { apiReady, pause } from './api-client.ts';

// When the system has recovered from a fault, measured from the outside:
// - recovered: the fault is lifted (process back, Redis back, window over), the API answers /readyz 200,
//   and a payment completed after the lift, or none is waiting to be paid (and whatever the fault waits
//   for, too: reversals applied);
// - claims settled: every payment that was PROCESSING or UNKNOWN when the fault hit has left those
//   states (its lease expired and the reconciler or a stalled job took it over, or it simply finished).

export interface Recovery {
  /** Milliseconds since the soak started, of the first /readyz 200 after the lift. */
  readyAtMs?: number;
  /** Of the first payment completed after the lift (its completedAt). */
  flowingAtMs?: number;
  /** Of the moment the fault's own condition held (payment-removed: every removed payment REVERSED). */
  settledAtMs?: number;
  /** The latest of the three: recovered. Undefined when the cap came first. */
  recoveredAtMs?: number;
}

export interface ProbeDeps {
  db: Db;
  apiUrl: string;
  /** The soak's start (ms since the epoch): every *AtMs counts from it. */
  startedAt: number;
  signal: AbortSignal;
}

const sinceStart = (deps: ProbeDeps, at: number) => at - deps.startedAt;

/** The ids of the payments claimed right now (PROCESSING) or waiting for a look-up (UNKNOWN). */
export async function heldClaims(db: Db): Promise<string[]> {
  const rows = await db.disbursementTransaction.findMany({
    where: { status: { in: ['PROCESSING', 'UNKNOWN'] } },
    select: { id: true },
  });
  return rows.map((r) => r.id);
}

/** Waits until none of `ids` is PROCESSING or UNKNOWN; answers when (ms since start), or undefined at the cap. */
export async function waitClaimsSettled(deps: ProbeDeps, ids: string[], capMs: number): Promise<number | undefined> {
  const until = Date.now() + capMs;
  while (!deps.signal.aborted) {
    const held =
      ids.length === 0
        ? 0
        : await deps.db.disbursementTransaction
            .count({ where: { id: { in: ids }, status: { in: ['PROCESSING', 'UNKNOWN'] } } })
            .catch(() => 1);
    if (held === 0) return sinceStart(deps, Date.now());
    if (Date.now() > until) return undefined;
    await pause(500, deps.signal);
  }
  return undefined;
}

/** Waits until the system recovered from a fault lifted at `liftedAt` (ms since the epoch), within the cap. */
export async function waitForRecovery(
  deps: ProbeDeps,
  liftedAt: number,
  capMs: number,
  settled?: () => Promise<boolean>,
): Promise<Recovery> {
  const recovery: Recovery = {};
  const until = Date.now() + capMs;
  while (!deps.signal.aborted) {
    const now = Date.now();
    if (recovery.readyAtMs === undefined && (await apiReady(deps.apiUrl))) recovery.readyAtMs = sinceStart(deps, now);
    if (recovery.flowingAtMs === undefined) {
      // A payment completed after the lift; or nothing is waiting to be paid (the workload is between
      // batches), so nothing could.
      const [row] = await deps.db.$queryRaw<{ first: Date | null; idle: boolean }[]>`
        SELECT (SELECT min("completedAt") FROM "DisbursementTransaction" WHERE "completedAt" > ${new Date(liftedAt)}) AS "first",
               NOT EXISTS (SELECT 1 FROM "DisbursementTransaction"
                           WHERE "status" IN ('PENDING', 'PROCESSING', 'UNKNOWN')) AS "idle"`.catch(() => []);
      if (row?.first) recovery.flowingAtMs = sinceStart(deps, row.first.getTime());
      else if (row?.idle) recovery.flowingAtMs = sinceStart(deps, now);
    }
    if (recovery.settledAtMs === undefined && (!settled || (await settled().catch(() => false)))) {
      recovery.settledAtMs = sinceStart(deps, now);
    }
    const { readyAtMs, flowingAtMs, settledAtMs } = recovery;
    if (readyAtMs !== undefined && flowingAtMs !== undefined && settledAtMs !== undefined) {
      recovery.recoveredAtMs = Math.max(readyAtMs, flowingAtMs, settledAtMs);
      return recovery;
    }
    if (Date.now() > until) return recovery;
    await pause(250, deps.signal);
  }
  return recovery;
}
