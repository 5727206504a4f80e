import type { Db } from '@payouts/db';
import type { RedisServer } from '@payouts/testing';
import { pause } from './api-client.ts';
import type { SoakProcesses } from './processes.ts';
import type { SoakSandbox } from './rise-sandbox.ts';
import { mulberry32, type PlannedFault, randomInt, type SoakProvider } from './schedule.ts';

// How each kind of fault is done to the running system, and undone. A fault is injected, lasts its
// planned duration, and is lifted; what it did is described for the report.

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** The application_name of the workers' Postgres connections: pg-terminate ends exactly those. */
export const workerApplicationName = 'payouts-soak-worker';

/** The mock provider's faults during a provider-faults window (MOCK_PROVIDER_FAULTS). */
export const mockFaultsSpec =
  'transient=0.15,permanent=0.01,rateLimited=0.02,timeoutBeforePay=0.02,timeoutAfterPay=0.05';

export interface ChaosDeps {
  provider: SoakProvider;
  processes: SoakProcesses;
  redis: RedisServer;
  /** The soak's own client of its database (not a worker's: pg-terminate spares it). */
  db: Db;
  sandbox?: SoakSandbox;
  /** Transactions whose payments payment-removed removed at the provider: each must end REVERSED. */
  removedPayments: string[];
}

export class SoakAborted extends Error {
  override name = 'SoakAborted';
}

export interface Injected {
  /** What was done, for the report: "worker-2 (pid 1234) SIGKILL; started again". */
  detail: string[];
  /** Something that should not happen (a graceful stop that failed, a fault that hit nothing). */
  problems: string[];
  /** More to wait for before the fault counts as recovered (payment-removed: the reversals applied). */
  settled?: () => Promise<boolean>;
}

/** Injects the fault, waits its duration, lifts it; resolves once it is lifted. */
export async function injectAndLift(
  deps: ChaosDeps,
  fault: PlannedFault,
  hooks: { onInjected: () => void; signal: AbortSignal },
): Promise<Injected> {
  const done: Injected = { detail: [], problems: [] };
  const hold = async () => {
    hooks.onInjected();
    await pause(fault.durationMs, hooks.signal);
    // Ctrl-C: the whole system is about to be stopped; nothing to lift.
    if (hooks.signal.aborted) throw new SoakAborted();
  };
  switch (fault.kind) {
    case 'worker-kill':
    case 'worker-term': {
      const slot = deps.processes.workers[fault.worker ?? 0];
      if (!slot) throw new Error(`no worker ${fault.worker}`);
      const signal = fault.kind === 'worker-kill' ? 'SIGKILL' : 'SIGTERM';
      const stopped = await slot.stop(signal);
      done.detail.push(
        `${slot.name} (pid ${stopped.pid}) ${signal}: exit code ${stopped.code} after ${seconds(stopped.ms)}`,
      );
      if (signal === 'SIGTERM' && stopped.code !== 0) {
        done.problems.push(`${slot.name} exited ${stopped.code} on SIGTERM (graceful shutdown failed)`);
      }
      await hold();
      const restarting = Date.now();
      await slot.start();
      done.detail.push(`started again in ${seconds(Date.now() - restarting)} (pid ${slot.pid()})`);
      return done;
    }
    case 'redis-restart': {
      await deps.redis.kill();
      done.detail.push(`redis-server on port ${deps.redis.port} SIGKILL (no persistence: every queue emptied)`);
      await hold();
      await deps.redis.start();
      done.detail.push('started again on the same port');
      return done;
    }
    case 'redis-flush': {
      await deps.redis.flushAll();
      hooks.onInjected();
      done.detail.push('FLUSHALL');
      return done;
    }
    case 'pg-terminate': {
      const [row] = await deps.db.$queryRaw<{ terminated: number; held: number }[]>`
        SELECT count(*) FILTER (WHERE pg_terminate_backend("pid"))::int AS "terminated", count(*)::int AS "held"
        FROM pg_stat_activity
        WHERE "datname" = current_database() AND "application_name" = ${workerApplicationName}`;
      hooks.onInjected();
      done.detail.push(`terminated ${row?.terminated ?? 0} of the workers' ${row?.held ?? 0} connections`);
      if (!row?.held) done.problems.push(`no worker connection (application_name ${workerApplicationName}) found`);
      return done;
    }
    case 'api-restart': {
      const stopped = await deps.processes.api.stop('SIGTERM');
      done.detail.push(`api (pid ${stopped.pid}) SIGTERM: exit code ${stopped.code} after ${seconds(stopped.ms)}`);
      if (stopped.code !== 0) done.problems.push(`the API exited ${stopped.code} on SIGTERM`);
      await hold();
      const restarting = Date.now();
      await deps.processes.api.start();
      done.detail.push(
        `started again on the same port in ${seconds(Date.now() - restarting)} (pid ${deps.processes.api.pid()})`,
      );
      return done;
    }
    case 'provider-faults':
      return deps.provider === 'mock'
        ? mockProviderFaults(deps, fault, done, hold)
        : riseProviderFaults(requireSandbox(deps), fault, done, hold);
    case 'provider-balance': {
      const sandbox = requireSandbox(deps);
      await sandbox.control('POST', '/balance', { balance_cents: 0 });
      done.detail.push('team balance set to 0 (INSUFFICIENT_BALANCE)');
      await hold();
      await sandbox.control('POST', '/balance', { balance_cents: Number(sandbox.balanceCents) });
      done.detail.push('refilled');
      return done;
    }
    case 'payment-removed':
      return removePayments(deps, requireSandbox(deps), fault, done, hooks.onInjected);
  }
}

function requireSandbox(deps: ChaosDeps): SoakSandbox {
  if (!deps.sandbox) throw new Error('this fault needs the Rise sandbox (--provider rise)');
  return deps.sandbox;
}

/** The mock's faults live in a worker's environment: that worker restarts with them, and without after. */
async function mockProviderFaults(
  deps: ChaosDeps,
  fault: PlannedFault,
  done: Injected,
  hold: () => Promise<void>,
): Promise<Injected> {
  const slot = deps.processes.workers[fault.worker ?? 0];
  if (!slot) throw new Error(`no worker ${fault.worker}`);
  const faulty = {
    MOCK_PROVIDER_FAULTS: mockFaultsSpec,
    MOCK_PROVIDER_SEED: String(fault.faultSeed ?? 1),
    MOCK_PROVIDER_RETRY_AFTER_MS: '200',
  };
  const first = await slot.stop('SIGTERM');
  if (first.code !== 0) done.problems.push(`${slot.name} exited ${first.code} on SIGTERM`);
  await slot.start(faulty);
  done.detail.push(`${slot.name} restarted with MOCK_PROVIDER_FAULTS=${mockFaultsSpec}`);
  await hold();
  const second = await slot.stop('SIGTERM');
  if (second.code !== 0) done.problems.push(`${slot.name} exited ${second.code} on SIGTERM`);
  await slot.start();
  done.detail.push('restarted without them');
  return done;
}

/**
 * A scripted storm at the sandbox, from the fault's seed: 5xx and 429 on prepare, 5xx and lost answers
 * (after paying) on execute, failed look-ups; then every execute slowed down for the rest of the window;
 * and meanwhile every webhook delivered twice, each first answer lost.
 */
async function riseProviderFaults(
  sandbox: SoakSandbox,
  fault: PlannedFault,
  done: Injected,
  hold: () => Promise<void>,
): Promise<Injected> {
  const rng = mulberry32(fault.faultSeed ?? 1);
  const script = [
    { operation: 'prepare', kind: 'status500', count: randomInt(rng, 10, 40) },
    { operation: 'prepare', kind: 'status429', count: randomInt(rng, 5, 20), retryAfterSeconds: 1 },
    { operation: 'execute', kind: 'status500', count: randomInt(rng, 10, 40) },
    { operation: 'execute', kind: 'timeoutAfterPay', count: randomInt(rng, 5, 20), delayMs: 0 },
    { operation: 'lookup', kind: 'status500', count: randomInt(rng, 3, 10) },
    { operation: 'execute', kind: 'delay', count: 1_000_000, delayMs: randomInt(rng, 100, 400) },
  ];
  for (const entry of script) await sandbox.control('POST', '/faults', entry);
  // Webhooks delivered twice, and the API's first answer to each lost (so each arrives again).
  await sandbox.control('POST', '/webhooks/settings', { duplicates: true, loseFirstAnswer: true });
  done.detail.push(
    `sandbox faults: ${script.map((f) => `${f.operation} ${f.kind}${f.count < 1_000_000 ? ` x${f.count}` : ''}`).join(', ')}; webhooks duplicated and first answers lost`,
  );
  await hold();
  await sandbox.control('DELETE', '/faults');
  await sandbox.control('POST', '/webhooks/settings', { duplicates: false, loseFirstAnswer: false });
  done.detail.push('cleared');
  return done;
}

/** Removes `count` COMPLETED payments at Rise (chosen by the fault's seed); recovered once each is REVERSED here. */
async function removePayments(
  { db, removedPayments }: ChaosDeps,
  sandbox: SoakSandbox,
  fault: PlannedFault,
  done: Injected,
  onInjected: () => void,
): Promise<Injected> {
  const seed = String(fault.faultSeed ?? fault.n);
  const chosen = await db.$queryRaw<{ id: string; providerTxId: string }[]>`
    SELECT "id", "providerTxId" FROM "DisbursementTransaction"
    WHERE "status" = 'COMPLETED' AND "providerTxId" IS NOT NULL
    ORDER BY md5("id" || ${seed}) LIMIT ${fault.count ?? 1}`;
  const removed: string[] = [];
  for (const payment of chosen) {
    try {
      await sandbox.control('POST', `/payments/${payment.providerTxId}/remove`, { reason: 'payouts soak' });
      removed.push(payment.id);
      removedPayments.push(payment.id);
    } catch (error) {
      done.problems.push(`could not remove ${payment.providerTxId}: ${(error as Error).message}`);
    }
  }
  onInjected();
  done.detail.push(`removed ${removed.length} payments at Rise; webhooks payment.removed sent`);
  if (removed.length === 0) done.problems.push('no COMPLETED payment to remove');
  done.settled = async () =>
    (await db.disbursementTransaction.count({ where: { id: { in: removed }, status: 'REVERSED' } })) === removed.length;
  return done;
}
