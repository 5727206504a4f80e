import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { haveRedisServer, sampleRss, treeRss } from '@payouts/testing';
import { makeApiClient, pause } from './api-client.ts';
import { type FaultRecord, runChaos } from './chaos.ts';
import { type Leftovers, runFinalChecks, waitForQuiet } from './final-checks.ts';
import { formatReport, type SoakFigures } from './report.ts';
import { buildSchedule, formatSchedule, mulberry32, type Schedule, type SoakProvider } from './schedule.ts';
import { type SoakSystem, startSystem } from './system.ts';
import { startWorkload, type WorkloadStats } from './workload.ts';

// One soak, start to end: the system up, the workload and the chaos schedule for the run's minutes,
// the drain, the checks, the report; and everything taken down again, whatever happened.

export interface SoakOptions {
  minutes: number;
  seed: number;
  provider: SoakProvider;
  workers: number;
  /** Payments per second the workload aims at. */
  rate: number;
  batchMin: number;
  batchMax: number;
  inFlight: number;
  /** No new batch while this many payments wait to be paid. */
  maxBacklog: number;
  affiliates: number;
  /** WORKER_CONCURRENCY of each worker. */
  concurrency: number;
  /** MOCK_PROVIDER_LATENCY_MS: the mock answers as slowly as a real provider would. */
  latencyMs: number;
  /** Average time between faults. */
  meanGapSeconds: number;
  /** Longest wait, after the run, for everything to settle. */
  drainSeconds: number;
  /** A Postgres server URL (its database part is replaced by the soak's own database). */
  serverUrl: string;
  /** Keep the processes' logs even when the soak passes. */
  keepLogs: boolean;
  /** Keep the database (for a post-mortem) instead of dropping it. */
  keepDatabase: boolean;
  /** Progress lines (the report is returned, not printed). */
  log: (line: string) => void;
  /** Ctrl-C: stop at once and clean up. */
  signal: AbortSignal;
}

export interface SoakResult {
  pass: boolean;
  schedule: Schedule;
  report: string[];
  records: FaultRecord[];
}

const perAffiliate = 5;
const reconcileEveryMs = 2000;
const recoveryCapMs = 120_000;

export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const runMs = Math.round(options.minutes * 60_000);
  const schedule = buildSchedule({
    seed: options.seed,
    runMs,
    provider: options.provider,
    workers: options.workers,
    meanGapMs: options.meanGapSeconds * 1000,
  });
  for (const line of formatSchedule(schedule)) options.log(line);
  if (!(await haveRedisServer())) throw new Error('the soak runs a Redis of its own: redis-server is not on the PATH');

  const logDir = mkdtempSync(path.join(os.tmpdir(), 'payouts-soak-'));
  const soakStart = Date.now();
  const clock = () => Date.now() - soakStart;
  let system: SoakSystem | undefined;
  const killOnExit = () => system?.killAll();
  process.once('exit', killOnExit);
  let pass = false;
  try {
    system = await startSystem({
      serverUrl: options.serverUrl,
      provider: options.provider,
      workers: options.workers,
      concurrency: options.concurrency,
      latencyMs: options.latencyMs,
      affiliates: options.affiliates,
      perAffiliate,
      reconcileEveryMs,
      logDir,
      keepDatabase: options.keepDatabase,
      log: options.log,
      clock,
    });
    const figures = await soak(system, schedule, { ...options, runMs, logDir });
    const report = formatReport(figures);
    pass = report.pass;
    return { pass, schedule, report: report.lines, records: figures.records };
  } catch (error) {
    if (!options.signal.aborted || options.keepLogs) options.log(`the processes' logs are in ${logDir}`);
    throw error;
  } finally {
    await system?.close();
    process.off('exit', killOnExit);
    // A failed soak keeps its processes' logs for a post-mortem (the report says where).
    if ((pass || options.signal.aborted) && !options.keepLogs) rmSync(logDir, { recursive: true, force: true });
  }
}

async function soak(
  system: SoakSystem,
  schedule: Schedule,
  options: SoakOptions & { runMs: number; logDir: string },
): Promise<SoakFigures> {
  const { db, processes } = system;
  const slots = [processes.api, ...processes.workers];
  const rss = sampleRss(() => slots.map((slot) => treeRss(slot.pid() ?? 0)), 2000);
  const startedAt = Date.now();
  const stamp = (line: string) =>
    options.log(`[${((Date.now() - startedAt) / 1000).toFixed(1).padStart(7)} s] ${line}`);
  const workload = startWorkload(
    {
      api: makeApiClient(processes.apiUrl, system.adminKey),
      db,
      // Its own stream of the seed: batch sizes and who is paid do not shift the chaos schedule.
      rng: mulberry32(options.seed ^ 0x5eed5eed),
      log: stamp,
    },
    {
      ratePerSecond: options.rate,
      batchMin: options.batchMin,
      batchMax: options.batchMax,
      inFlight: options.inFlight,
      maxBacklog: options.maxBacklog,
      affiliates: options.affiliates,
      perAffiliate,
    },
  );
  const removedPayments: string[] = [];
  const runProblems: string[] = [];
  const probe = { db, apiUrl: processes.apiUrl, startedAt, signal: options.signal };
  const progress = setInterval(() => void logProgress(system, workload.stats, stamp), 30_000);
  let records: FaultRecord[] = [];
  let drained = false;
  let left: Leftovers | undefined;
  let drainSeconds = 0;
  try {
    const chaos = runChaos(
      { provider: options.provider, processes, redis: system.redis, db, sandbox: system.sandbox, removedPayments },
      schedule,
      { probe, log: stamp, recoveryCapMs, busyWaitMs: 20_000 },
    );
    // The run lasts its minutes, and longer when late recoveries pushed the last faults past them.
    [records] = await Promise.all([chaos, pause(options.runMs, options.signal)]);
    const ranSeconds = (Date.now() - startedAt) / 1000;
    if (options.signal.aborted) throw new Error('aborted');

    stamp('the run is over: no more faults or new batches; draining');
    const drainStart = Date.now();
    const deadline = drainStart + options.drainSeconds * 1000;
    drained = await workload.drain(deadline);
    const quiet = await waitForQuiet(db, removedPayments, deadline, options.signal);
    left = quiet.left;
    if (!drained || !quiet.quiet)
      runProblems.push(`not settled ${options.drainSeconds} s after the run: ${JSON.stringify(left)}`);
    // A few reconciler runs over the quiet system: what it repairs (a dead letter lost in a flush) is done.
    await pause(3 * reconcileEveryMs, options.signal);
    drainSeconds = (Date.now() - drainStart) / 1000;
    stamp(`drained in ${drainSeconds.toFixed(1)} s; checking`);
    const final = await runFinalChecks({
      db,
      redisUrl: system.redis.url,
      queuePrefix: system.queuePrefix,
      sandbox: system.sandbox,
      log: stamp,
    });
    await workload.abort();
    stamp('stopping the processes');
    const finalExits = await processes.stopAll();
    const peaks = rss.stop();
    return {
      schedule,
      ranSeconds,
      drainSeconds,
      drained,
      payments: await paymentFigures(system),
      batches: await batchFigures(system),
      repairs: await repairFigures(system),
      ledger: final.ledger,
      deadLetters: final.deadLetters,
      workload: workload.stats,
      records,
      checks: final.checks,
      unexpectedExits: processes.unexpectedExits,
      finalExits,
      peakRssMb: Object.fromEntries(slots.map((slot, i) => [slot.name, Math.round((peaks[i] ?? 0) / 1024 / 1024)])),
      runProblems,
      logDir: options.logDir,
    };
  } finally {
    clearInterval(progress);
    rss.stop();
    await workload.abort();
  }
}

async function paymentFigures(system: SoakSystem): Promise<SoakFigures['payments']> {
  const [row] = await system.db.$queryRaw<
    { completed: number; total: string; failed: number; reversed: number; cancelled: number }[]
  >`
    SELECT count(*) FILTER (WHERE "status" = 'COMPLETED')::int AS "completed",
           coalesce(sum("amount") FILTER (WHERE "status" = 'COMPLETED'), 0)::numeric(20, 2)::text AS "total",
           count(*) FILTER (WHERE "status" = 'FAILED')::int AS "failed",
           count(*) FILTER (WHERE "status" = 'REVERSED')::int AS "reversed",
           count(*) FILTER (WHERE "status" = 'CANCELLED')::int AS "cancelled"
    FROM "DisbursementTransaction"`;
  return {
    completed: row?.completed ?? 0,
    completedTotal: row?.total ?? '0.00',
    failed: row?.failed ?? 0,
    reversed: row?.reversed ?? 0,
    cancelled: row?.cancelled ?? 0,
  };
}

/** How often the system repaired itself, from the audit trail. */
async function repairFigures(system: SoakSystem): Promise<Record<string, number>> {
  const groups = await system.db.disbursementAuditLog.groupBy({
    by: ['action'],
    where: { action: { in: repairActions } },
    _count: { _all: true },
  });
  return Object.fromEntries(groups.map((g) => [g.action, g._count._all]));
}

const repairActions = [
  'payment.requeued',
  'payment.claim_taken_over',
  'payment.outcome_unknown',
  'payment.failed',
  'provider.suspended',
  'job.refused',
];

async function batchFigures(system: SoakSystem): Promise<Record<string, number>> {
  const groups = await system.db.paymentBatch.groupBy({ by: ['status'], _count: { _all: true } });
  return Object.fromEntries(groups.map((g) => [g.status, g._count._all]));
}

async function logProgress(system: SoakSystem, stats: WorkloadStats, stamp: (line: string) => void) {
  const groups = await system.db.disbursementTransaction
    .groupBy({ by: ['status'], _count: { _all: true } })
    .catch(() => []);
  const counts = groups.map((g) => `${g.status} ${g._count._all}`).join(', ');
  stamp(`progress: ${stats.batchesCreated} batches created; transactions ${counts}`);
}
