import { parseEnv } from '@payouts/config';
import { createBatches, queueBatchExecution } from '@payouts/core';
import { readMockLedger } from '@payouts/providers';
import { closeQueues, enqueue, executeJobId, QueueName } from '@payouts/queue';
import { findInvariantViolations, sampleRss, spawnWorker, treeRss, type WorkerProcess } from '@payouts/testing';
import { startWorkers } from '../src/start-workers.ts';
import { makeWorkerDeps, type WorkerDeps } from '../src/worker-deps.ts';
import { type BenchEnv, timed } from './bench-env.ts';
import { applyRetention, redisUsedMemory } from './redis-memory.ts';
import type { BenchSandbox } from './rise-sandbox-bench.ts';

export interface SystemOptions {
  /** The env holds exactly this many approved commissions: one batch of them is paid. */
  payments: number;
  /** WORKER_CONCURRENCY of each worker (process). */
  concurrency: number;
  latencyMs: number;
  /** 0: the workers run in this process (startWorkers); N: N worker processes (apps/worker/src/main.ts). */
  workerProcesses: number;
  /** Worker processes run the compiled JavaScript under plain node, as in production. */
  compiled?: boolean;
  sandbox?: BenchSandbox;
}

export interface SystemRun extends Omit<SystemOptions, 'sandbox'> {
  label: string;
  rise: boolean;
  createMs: number;
  executeMs: number;
  /** Peak RSS in MB: of this process when the workers run in it, else of each worker process. */
  peakRssMb: number[];
  /** Peak connections to the bench database, of every process (this one's included). */
  peakConnections: number;
  /** used_memory of the Redis server in MB: before the run, after it, and once retention has removed the jobs. */
  redisMb: { before: number; after: number; retained: number };
  counts: boolean;
  problems: string[];
}

const who = { actor: 'bench' };
const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
const mbTenths = (bytes: number) => Math.round((bytes * 10) / 1024 / 1024) / 10;

export async function createBatch(env: BenchEnv, payments: number) {
  const rules = { provider: 'MOCK' as const, minPayout: '50.00', maxBatchSize: payments };
  const created = await timed(() => createBatches({ db: env.db }, rules, who));
  const batch = created.value.batches[0];
  if (!batch || batch.paymentCount !== payments)
    throw new Error(`expected one batch of ${payments}, got ${JSON.stringify(created.value)}`);
  return { batchId: batch.id, createMs: created.ms };
}

/** Checks DESIGN.md's invariants and that every payment was made once; a run that breaks them does not count. */
async function check(env: BenchEnv, batchId: string, payments: number, sandbox?: BenchSandbox): Promise<string[]> {
  const rise = await sandbox?.ledger();
  const riseTotal = rise ? `${rise.cents / 100n}.${String(rise.cents % 100n).padStart(2, '0')}` : undefined;
  const problems = await findInvariantViolations(env.db, { providerLedgerTotal: riseTotal });
  const ledger = rise ? { payments: rise.payments, total: riseTotal } : await readMockLedger(env.db);
  if (ledger.payments !== payments) problems.push(`ledger has ${ledger.payments} payments, expected ${payments}`);
  const batch = await env.db.paymentBatch.findUniqueOrThrow({ where: { id: batchId } });
  if (batch.status !== 'COMPLETED') problems.push(`batch is ${batch.status}`);
  if (ledger.total !== batch.totalAmount.toFixed(2))
    problems.push(`ledger ${ledger.total} != batch ${batch.totalAmount}`);
  return problems;
}

/** Peak connections to the bench database until stopped, sampled every 250 ms. */
function sampleConnections(env: BenchEnv): { stop(): Promise<number> } {
  let peak = 0;
  let sampling = true;
  const loop = (async () => {
    while (sampling) {
      const [row] = await env.db.$queryRaw<{ n: number }[]>`
        SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database()`.catch(() => []);
      peak = Math.max(peak, row?.n ?? 0);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();
  return {
    async stop() {
      sampling = false;
      await loop;
      return peak;
    },
  };
}

/** Where the workers run: in this process, or in worker processes of their own. */
interface Engine {
  /** Adds the batch's jobs, as the API does, and reads Postgres (this process's deps in either case). */
  deps: WorkerDeps;
  rss(): number[];
  close(): Promise<void>;
}

async function startEngine(options: SystemOptions, workerEnv: Record<string, string>): Promise<Engine> {
  // Settings the options do not give (DATABASE_POOL_SIZE, PAY_...) come from the environment, for both.
  const deps = makeWorkerDeps(parseEnv({ ...process.env, ...workerEnv, LOG_LEVEL: 'silent' }));
  if (options.workerProcesses === 0) {
    const running = startWorkers(deps);
    return { deps, rss: () => [process.memoryUsage().rss], close: () => running.close() };
  }
  const workers: WorkerProcess[] = [];
  const closeProducer = async () => {
    // Only a producer here: close what makeWorkerDeps opened.
    await deps.flowProducer.close();
    await closeQueues(deps.queues);
    deps.connection.disconnect();
    await deps.db.$disconnect();
  };
  try {
    for (let i = 0; i < options.workerProcesses; i++)
      workers.push(await spawnWorker(workerEnv, { compiled: options.compiled }));
  } catch (error) {
    await Promise.all(workers.map((w) => w.stop()));
    await closeProducer();
    throw error;
  }
  // Should this process fail before close(), the workers must not outlive it (a Ctrl-C reaches them anyway).
  const killWorkers = () => {
    for (const w of workers) w.child.kill('SIGKILL');
  };
  process.once('exit', killWorkers);
  return {
    deps,
    rss: () => workers.map((w) => (w.child.pid ? treeRss(w.child.pid) : 0)),
    async close() {
      process.off('exit', killWorkers);
      const codes = await Promise.all(workers.map((w) => w.stop()));
      for (const [i, code] of codes.entries()) {
        if (code !== 0) process.stderr.write(`worker process ${i + 1} exited with ${code}:\n${workers[i]?.output()}\n`);
      }
      await closeProducer();
    },
  };
}

function systemLabel(options: Omit<SystemOptions, 'sandbox'> & { rise: boolean }): string {
  const latency = options.rise ? 'Rise sandbox' : `${options.latencyMs} ms latency`;
  const n = options.workerProcesses;
  if (n === 0) return `system, ${latency} (execute)`;
  const processes = `${n} ${options.compiled ? 'node ' : ''}process${n > 1 ? 'es' : ''}`;
  return `system, ${options.rise ? 'Rise' : `${options.latencyMs} ms`}, ${processes} (execute)`;
}

/** Adds the batch's jobs as the API does and waits until it settles, sampling the processes meanwhile. */
async function execute(env: BenchEnv, engine: Engine, batchId: string) {
  const redisBefore = await redisUsedMemory(env.redisUrl);
  const rss = sampleRss(engine.rss);
  const connections = sampleConnections(env);
  let executed: { ms: number };
  let peakRss: number[] = [];
  let peakConnections = 0;
  try {
    executed = await timed(async () => {
      await queueBatchExecution(engine.deps, batchId, who);
      await enqueue(engine.deps.queues, QueueName.executeBatch, { batchId }, executeJobId(batchId));
      for (;;) {
        const batch = await env.db.paymentBatch.findUniqueOrThrow({ where: { id: batchId }, select: { status: true } });
        if (batch.status === 'COMPLETED' || batch.status === 'FAILED') return;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    });
  } finally {
    peakRss = rss.stop();
    peakConnections = await connections.stop();
  }
  return { executeMs: executed.ms, redisBefore, peakRss, peakConnections };
}

export async function runSystem(env: BenchEnv, options: SystemOptions): Promise<SystemRun> {
  await env.reset();
  const { batchId, createMs } = await createBatch(env, options.payments);
  const prefix = env.prefix();
  const engine = await startEngine(options, {
    DATABASE_URL: env.databaseUrl,
    REDIS_URL: env.redisUrl,
    QUEUE_PREFIX: prefix,
    WORKER_CONCURRENCY: String(options.concurrency),
    MOCK_PROVIDER_LATENCY_MS: String(options.latencyMs),
    NIGHTLY_PAYOUT_ENABLED: 'false',
    ...(options.sandbox?.engineEnv ?? {}),
  });
  let measured: Awaited<ReturnType<typeof execute>>;
  try {
    measured = await execute(env, engine, batchId);
  } finally {
    await engine.close();
  }
  const redisAfter = await redisUsedMemory(env.redisUrl);
  await applyRetention(env.redisUrl, prefix);
  const redisRetained = await redisUsedMemory(env.redisUrl);
  const problems = await check(env, batchId, options.payments, options.sandbox);
  const { sandbox, ...shape } = options;
  return {
    ...shape,
    label: systemLabel({ ...shape, rise: sandbox !== undefined }),
    rise: sandbox !== undefined,
    createMs,
    executeMs: measured.executeMs,
    peakRssMb: measured.peakRss.map(mb),
    peakConnections: measured.peakConnections,
    redisMb: {
      before: mbTenths(measured.redisBefore),
      after: mbTenths(redisAfter),
      retained: mbTenths(redisRetained),
    },
    counts: problems.length === 0,
    problems,
  };
}
