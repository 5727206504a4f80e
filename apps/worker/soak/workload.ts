import { randomUUID } from 'node:crypto';
import type { Db } from '@payouts/db';
import { insertApprovedCommissions } from '@payouts/testing';
import { type ApiAnswer, type ApiClient, failureLabel, pause } from './api-client.ts';
import { randomInt } from './schedule.ts';

// The soak's workload: batches created and executed over the API, a few in flight at once, at a paced
// rate of payments, while an upstream system keeps approving commissions. It retries through API
// restarts and Redis outages as an admin's script would, and executes batches a lost answer left PENDING.

export interface WorkloadOptions {
  /** Payments per second to aim at (batches are started at this pace, a few in flight at most). */
  ratePerSecond: number;
  batchMin: number;
  batchMax: number;
  inFlight: number;
  /** No new batch while this many payments wait to be paid (PENDING, PROCESSING or UNKNOWN). */
  maxBacklog: number;
  /** Affiliates seeded (aff_1..aff_N), each with `perAffiliate` approved commissions to start with. */
  affiliates: number;
  perAffiliate: number;
}

export interface WorkloadDeps {
  api: ApiClient;
  db: Db;
  rng: () => number;
  log: (line: string) => void;
}

export interface WorkloadStats {
  batchesCreated: number;
  batchesExecuted: number;
  /** Payments in the batches created. */
  paymentsRequested: number;
  /** Creations retried with a new key after their job was lost (Redis) or their answer never came. */
  creationsRetried: number;
  /** Batches left PENDING by a lost answer, found and executed by the sweep. */
  orphansExecuted: number;
  /** Requests answered with an error or not at all, by label (status and code, or the network error). */
  failures: Record<string, number>;
  /** Answers no retry can fix (a 4xx the soak did not expect): each one fails the soak. */
  errors: string[];
}

export interface Workload {
  stats: WorkloadStats;
  /** No new batches from now on; those in flight are still executed and followed. */
  stop(): void;
  /** True once every batch it started has settled and no batch is left PENDING; false at the deadline. */
  drain(deadline: number): Promise<boolean>;
  /** Stops everything (after the drain, or at once on Ctrl-C); requests in flight are left to finish. */
  abort(): Promise<void>;
}

const settledStatuses = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);
const transientStatus = (status: number) => status >= 500 || status === 429;

export function startWorkload(deps: WorkloadDeps, options: WorkloadOptions): Workload {
  const stats: WorkloadStats = {
    batchesCreated: 0,
    batchesExecuted: 0,
    paymentsRequested: 0,
    creationsRetried: 0,
    orphansExecuted: 0,
    failures: {},
    errors: [],
  };
  const stopping = new AbortController();
  const aborting = new AbortController();
  const idle = shuffle(
    deps.rng,
    Array.from({ length: options.affiliates }, (_, i) => i + 1),
  );
  const rounds = new Map<number, number>();
  // Batch id -> settled? Every batch the workload created or found.
  const batches = new Map<string, boolean>();
  let running = 0;
  const count = (answer: ApiAnswer | Error) => {
    const label = failureLabel(answer);
    stats.failures[label] = (stats.failures[label] ?? 0) + 1;
  };

  /** Retries a request until it is answered with something other than a 5xx or 429; null when aborted. */
  async function answered(send: () => Promise<ApiAnswer>): Promise<ApiAnswer | null> {
    for (let attempt = 1; !aborting.signal.aborted; attempt++) {
      try {
        const answer = await send();
        if (!transientStatus(answer.status)) return answer;
        count(answer);
      } catch (error) {
        count(error as Error);
      }
      await pause(Math.min(5000, 200 * 2 ** Math.min(attempt, 5)), aborting.signal);
    }
    return null;
  }

  /** POST /batches for these affiliates until it answers with batches (or nobody payable: none). */
  async function createBatches(affiliateIds: string[]): Promise<{ id: string; paymentCount: number }[]> {
    for (let tries = 1; !aborting.signal.aborted; tries++) {
      if (tries > 1) stats.creationsRetried++;
      const key = `soak-create-${randomUUID()}`;
      let inProgress = 0;
      for (;;) {
        const answer = await answered(() =>
          deps.api.request('POST', '/batches?wait=30', {
            body: { affiliateIds },
            idempotencyKey: key,
            timeoutMs: 45_000,
          }),
        );
        if (!answer) return [];
        if (answer.status === 201) return answer.body.batches as { id: string; paymentCount: number }[];
        if (answer.status === 422 && (answer.body.error as { code?: string })?.code === 'NO_PAYABLE_AFFILIATES')
          return [];
        // The first request with this key is still being answered (or died with an API process): wait a
        // little, then give up on the key.
        if (answer.status === 409 && ++inProgress <= 3) {
          count(answer);
          await pause(2000, aborting.signal);
          continue;
        }
        if (answer.status === 202) {
          const result = await followCreation(String(answer.body.jobId));
          if (result) return result;
          break; // lost or failed: a new key, a new request
        }
        count(answer);
        if (answer.status !== 409)
          throw new Error(`POST /batches answered ${answer.status}: ${JSON.stringify(answer.body)}`);
        break;
      }
    }
    return [];
  }

  /** Follows a creation job the API stopped waiting for; null when it was lost or failed. */
  async function followCreation(jobId: string): Promise<{ id: string; paymentCount: number }[] | null> {
    const until = Date.now() + 120_000;
    while (Date.now() < until && !aborting.signal.aborted) {
      const answer = await answered(() => deps.api.request('GET', `/jobs/${encodeURIComponent(jobId)}`));
      if (!answer || answer.status === 404) return null;
      const job = answer.body.job as { state?: string; result?: { status?: string; batches?: unknown[] } } | undefined;
      if (job?.state === 'completed') {
        return job.result?.status === 'CREATED' ? (job.result.batches as { id: string; paymentCount: number }[]) : [];
      }
      if (job?.state === 'failed') return null;
      await pause(1000, aborting.signal);
    }
    return null;
  }

  /** POST /batches/:id/execute until it is executing (202/200) or already was (409). */
  async function execute(batchId: string): Promise<void> {
    for (let tries = 1; !aborting.signal.aborted; tries++) {
      const key = `soak-execute-${randomUUID()}`;
      const answer = await answered(() =>
        deps.api.request('POST', `/batches/${batchId}/execute`, { idempotencyKey: key }),
      );
      if (!answer) return;
      if (answer.status === 202 || answer.status === 200) {
        stats.batchesExecuted++;
        return;
      }
      count(answer);
      const message = String((answer.body.error as { message?: string } | undefined)?.message ?? '');
      // The key's first request is still being answered, or died with its API process: a new key.
      if (answer.status === 409 && message.includes('Idempotency-Key') && tries < 5) {
        await pause(2000, aborting.signal);
        continue;
      }
      // Executing, or done, already: an earlier request whose answer was lost went through.
      if (answer.status === 409) return;
      throw new Error(`POST /batches/${batchId}/execute answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    }
  }

  /** Reads Postgres until the batches have settled (or the workload is aborted). */
  async function waitSettled(ids: string[]): Promise<void> {
    let open = ids;
    while (open.length > 0 && !aborting.signal.aborted) {
      const rows = await deps.db.paymentBatch.findMany({
        where: { id: { in: open } },
        select: { id: true, status: true },
      });
      for (const row of rows) if (settledStatuses.has(row.status)) batches.set(row.id, true);
      open = open.filter((id) => !batches.get(id));
      if (open.length > 0) await pause(500, aborting.signal);
    }
  }

  async function runBatch(affiliates: number[]): Promise<void> {
    const created = await createBatches(affiliates.map((a) => `aff_${a}`));
    for (const batch of created) {
      batches.set(batch.id, false);
      stats.batchesCreated++;
      stats.paymentsRequested += batch.paymentCount;
    }
    for (const batch of created) await execute(batch.id);
    await waitSettled(created.map((b) => b.id));
  }

  /** An upstream system approves more commissions for affiliates about to be paid again. */
  async function approveCommissions(affiliates: number[]): Promise<void> {
    const byRound = new Map<number, number[]>();
    for (const a of affiliates) {
      const round = rounds.get(a) ?? 0;
      rounds.set(a, round + 1);
      // Round 0 is what the seed approved.
      if (round > 0) byRound.set(round, [...(byRound.get(round) ?? []), a]);
    }
    for (const [round, group] of byRound) await insertApprovedCommissions(deps.db, group, options.perAffiliate, round);
  }

  /** Batches a lost answer left PENDING (created, never executed) older than 20 s: execute and follow them. */
  async function sweepOrphans(): Promise<number> {
    const rows = await deps.db.$queryRaw<{ id: string }[]>`
      SELECT "id" FROM "PaymentBatch" WHERE "status" = 'PENDING' AND "createdAt" < now() - interval '20 seconds'`;
    const orphans = rows.map((r) => r.id).filter((id) => !batches.has(id));
    for (const id of orphans) {
      batches.set(id, false);
      stats.orphansExecuted++;
      deps.log(`workload: batch ${id} was left PENDING by a lost answer; executing it`);
      void execute(id)
        .then(() => waitSettled([id]))
        .catch((error: Error) => deps.log(`workload: orphan ${id}: ${error.message}`));
    }
    return orphans.length;
  }

  const waiting = () =>
    deps.db.disbursementTransaction
      .count({ where: { status: { in: ['PENDING', 'PROCESSING', 'UNKNOWN'] } } })
      .catch(() => Number.POSITIVE_INFINITY);
  const started = Date.now();
  let paced = 0;
  const loop = (async () => {
    while (!stopping.signal.aborted) {
      if (running >= options.inFlight || Date.now() < started + (paced / options.ratePerSecond) * 1000) {
        await pause(100, stopping.signal);
        continue;
      }
      // A system slower than the rate (the Rise sandbox) is kept busy, not buried: a payment queued behind
      // thousands waits minutes, and so would every repair.
      if ((await waiting()) >= options.maxBacklog) {
        await pause(500, stopping.signal);
        continue;
      }
      const size = randomInt(deps.rng, options.batchMin, options.batchMax);
      const wanted = Math.max(1, Math.ceil(size / options.perAffiliate));
      if (idle.length < Math.min(wanted, Math.ceil(options.batchMin / options.perAffiliate))) {
        await pause(200, stopping.signal);
        continue;
      }
      const picked = idle.splice(0, wanted);
      await approveCommissions(picked);
      paced += picked.length * options.perAffiliate;
      running++;
      void runBatch(picked)
        .catch((error: Error) => {
          stats.errors.push(error.message);
          deps.log(`workload: ${error.message}`);
        })
        .finally(() => {
          running--;
          idle.push(...picked);
        });
    }
  })();
  const sweeper = (async () => {
    while (!aborting.signal.aborted) {
      await pause(10_000, aborting.signal);
      if (!aborting.signal.aborted) await sweepOrphans().catch(() => 0);
    }
  })();

  const pendingBatches = async () =>
    (await deps.db.paymentBatch.count({ where: { status: 'PENDING' } }).catch(() => 1)) as number;

  return {
    stats,
    stop: () => stopping.abort(),
    async drain(deadline) {
      stopping.abort();
      await loop;
      for (;;) {
        await sweepOrphans().catch(() => 0);
        const open = [...batches.values()].filter((settled) => !settled).length;
        if (running === 0 && open === 0 && (await pendingBatches()) === 0) return true;
        if (Date.now() > deadline || aborting.signal.aborted) return false;
        await pause(1000, aborting.signal);
      }
    },
    async abort() {
      stopping.abort();
      aborting.abort();
      await Promise.all([loop, sweeper]);
    },
  };
}

function shuffle<T>(rng: () => number, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randomInt(rng, 0, i);
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}
