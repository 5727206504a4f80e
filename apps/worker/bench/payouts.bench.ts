// `pnpm bench`: create and execute N payments with the mock provider at 0 ms and 50 ms latency, and,
// in the same run, the baselines they are compared with. Run by hand; tests never time anything.
//   pnpm bench [--payments 10000] [--concurrency 50] [--latencies 0,50] [--provider mock|rise]
// With --provider rise the system also runs against the Rise sandbox (a process of its own, with real
// signatures), beside the mock at 0 ms measured in the same run.
import { parseArgs } from 'node:util';
import { parseEnv } from '@payouts/config';
import { createBatches, queueBatchExecution } from '@payouts/core';
import { makeMockProvider, readMockLedger } from '@payouts/providers';
import { enqueue, executeJobId, QueueName } from '@payouts/queue';
import { findInvariantViolations } from '@payouts/testing';
import { startWorkers } from '../src/start-workers.ts';
import { makeWorkerDeps } from '../src/worker-deps.ts';
import { bareFlow, literalSequential, rawSqlTransitions } from './baselines.ts';
import { type BenchEnv, makeBenchEnv, timed } from './bench-env.ts';
import { type BenchSandbox, startBenchSandbox } from './rise-sandbox-bench.ts';

const { values } = parseArgs({
  options: {
    payments: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '50' },
    latencies: { type: 'string', default: '0,50' },
    'per-affiliate': { type: 'string', default: '10' },
    provider: { type: 'string', default: 'mock' },
  },
});
const n = Number.parseInt(values.payments, 10);
const concurrency = Number.parseInt(values.concurrency, 10);
const latencies = values.latencies.split(',').map((v) => Number.parseInt(v, 10));
const rules = { provider: 'MOCK' as const, minPayout: '50.00', maxBatchSize: n };
const who = { actor: 'bench' };

interface SystemRun {
  label: string;
  latencyMs: number;
  createMs: number;
  executeMs: number;
  peakRssMb: number;
  counts: boolean;
  problems: string[];
}

async function createBatch(env: BenchEnv) {
  const created = await timed(() => createBatches({ db: env.db }, rules, who));
  const batch = created.value.batches[0];
  if (!batch || batch.paymentCount !== n)
    throw new Error(`expected one batch of ${n}, got ${JSON.stringify(created.value)}`);
  return { batchId: batch.id, createMs: created.ms };
}

/** Checks DESIGN.md's invariants and that every payment was made once; a run that breaks them does not count. */
async function check(env: BenchEnv, batchId: string, sandbox?: BenchSandbox): Promise<string[]> {
  const rise = await sandbox?.ledger();
  const riseTotal = rise ? `${rise.cents / 100n}.${String(rise.cents % 100n).padStart(2, '0')}` : undefined;
  const problems = await findInvariantViolations(env.db, { providerLedgerTotal: riseTotal });
  const ledger = rise ? { payments: rise.payments, total: riseTotal } : await readMockLedger(env.db);
  if (ledger.payments !== n) problems.push(`ledger has ${ledger.payments} payments, expected ${n}`);
  const batch = await env.db.paymentBatch.findUniqueOrThrow({ where: { id: batchId } });
  if (batch.status !== 'COMPLETED') problems.push(`batch is ${batch.status}`);
  if (ledger.total !== batch.totalAmount.toFixed(2))
    problems.push(`ledger ${ledger.total} != batch ${batch.totalAmount}`);
  return problems;
}

async function runSystem(env: BenchEnv, latencyMs: number, sandbox?: BenchSandbox): Promise<SystemRun> {
  await env.reset();
  const { batchId, createMs } = await createBatch(env);
  const deps = makeWorkerDeps(
    parseEnv({
      DATABASE_URL: env.databaseUrl,
      REDIS_URL: env.redisUrl,
      QUEUE_PREFIX: env.prefix(),
      LOG_LEVEL: 'silent',
      WORKER_CONCURRENCY: String(concurrency),
      MOCK_PROVIDER_LATENCY_MS: String(latencyMs),
      NIGHTLY_PAYOUT_ENABLED: 'false',
      ...(sandbox?.engineEnv ?? {}),
    }),
  );
  const running = startWorkers(deps);
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 100);
  const executed = await timed(async () => {
    await queueBatchExecution(deps, batchId, who);
    await enqueue(deps.queues, QueueName.executeBatch, { batchId }, executeJobId(batchId));
    for (;;) {
      const batch = await env.db.paymentBatch.findUniqueOrThrow({ where: { id: batchId }, select: { status: true } });
      if (batch.status === 'COMPLETED' || batch.status === 'FAILED') return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });
  clearInterval(sampler);
  await running.close();
  const problems = await check(env, batchId, sandbox);
  return {
    label: sandbox ? 'system, Rise sandbox (execute)' : `system, ${latencyMs} ms latency (execute)`,
    latencyMs,
    createMs,
    executeMs: executed.ms,
    peakRssMb: Math.round(peakRss / 1024 / 1024),
    counts: problems.length === 0,
    problems,
  };
}

async function pendingTransactionIds(env: BenchEnv): Promise<string[]> {
  await env.reset();
  await createBatch(env);
  const rows = await env.db.disbursementTransaction.findMany({ select: { id: true }, orderBy: { id: 'asc' } });
  return rows.map((r) => r.id);
}

const progress = (what: string) => process.stderr.write(`[${new Date().toISOString()}] ${what}\n`);
const perSecond = (ms: number) => Math.round((n * 1000) / Math.max(ms, 1));
const ratio = (a: number, b: number) => `${(a / Math.max(b, 1)).toFixed(2)}x`;

async function main() {
  const env = await makeBenchEnv(n, Number.parseInt(values['per-affiliate'], 10));
  try {
    const runs: SystemRun[] = [];
    for (const latency of latencies) {
      progress(`system at ${latency} ms latency`);
      runs.push(await runSystem(env, latency));
    }
    if (values.provider === 'rise') {
      progress('system against the Rise sandbox');
      const sandbox = await startBenchSandbox(env);
      try {
        runs.push(await runSystem(env, 0, sandbox));
      } finally {
        await sandbox.stop();
      }
    } else if (values.provider !== 'mock') {
      throw new Error(`--provider must be mock or rise, not ${values.provider}`);
    }

    progress('(a) bare BullMQ flow');
    const a = await timed(() => bareFlow(env.redisUrl, env.prefix(), n, concurrency));
    progress('(b) raw SQL state transitions');
    const bIds = await pendingTransactionIds(env);
    const b = await timed(() => rawSqlTransitions(env.databaseUrl, bIds, concurrency));
    progress("(c) the seed's sequential approach");
    const ids = await pendingTransactionIds(env);
    const c = await timed(() => literalSequential(env.db, makeMockProvider({ db: env.db }), ids));

    console.log(`\npayouts benchmark: ${n} payments, worker concurrency ${concurrency}, mock provider`);
    console.log('run                                  time ms   payments/s   peak RSS MB   invariants');
    for (const run of runs) {
      const label = run.label.padEnd(36);
      console.log(
        `${label} ${String(run.executeMs).padStart(8)}   ${String(perSecond(run.executeMs)).padStart(10)}   ${String(run.peakRssMb).padStart(11)}   ${run.counts ? 'hold' : `BROKEN: ${run.problems.join('; ')}`}`,
      );
      console.log(`${'  of which batch creation (before)'.padEnd(36)} ${String(run.createMs).padStart(8)}`);
    }
    console.log(
      `${'(a) bare BullMQ flow, no-op children'.padEnd(36)} ${String(a.ms).padStart(8)}   ${String(perSecond(a.ms)).padStart(10)}`,
    );
    console.log(
      `${'(b) raw SQL state transitions'.padEnd(36)} ${String(b.ms).padStart(8)}   ${String(perSecond(b.ms)).padStart(10)}`,
    );
    console.log(
      `${"(c) seed's literal approach, 0 ms".padEnd(36)} ${String(c.ms).padStart(8)}   ${String(perSecond(c.ms)).padStart(10)}`,
    );

    const zero = runs.find((r) => r.latencyMs === 0 && !r.label.includes('Rise'));
    if (zero?.counts) {
      console.log(`\n0 ms: system / (a+b) = ${ratio(zero.executeMs, a.ms + b.ms)} (target <= 1.5x)`);
      console.log(`0 ms: (c) / system = ${ratio(c.ms, zero.executeMs)} (target >= 3x)`);
    }
    const rise = runs.find((r) => r.label.includes('Rise'));
    if (zero?.counts && rise?.counts) {
      console.log(
        `Rise sandbox: ${perSecond(rise.executeMs)} payments/s, ${ratio(rise.executeMs, zero.executeMs)} the mock's time at 0 ms`,
      );
    }
    for (const run of runs.filter((r) => r.latencyMs > 0 && r.counts)) {
      const target = Math.round((0.8 * concurrency * 1000) / run.latencyMs);
      console.log(
        `${run.latencyMs} ms: ${perSecond(run.executeMs)} payments/s (target >= 0.8 x C / latency = ${target}/s)`,
      );
    }
  } finally {
    await env.close();
  }
}

await main();
// Connections of the baselines may linger; the measurements are printed.
process.exit(0);
