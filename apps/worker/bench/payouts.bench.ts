// `pnpm bench`: create and execute N payments with the mock provider at 0 ms and 50 ms latency, and,
// in the same run, the baselines they are compared with. Run by hand; tests never time anything.
//   pnpm bench [--payments 10000] [--concurrency 50] [--latencies 0,50] [--provider mock|rise]
//              [--scale 10000,100000] [--worker-processes 0|1|1,2] [--baselines a,b,c|none] [--compiled]
// With --provider rise the system also runs against the Rise sandbox (a process of its own, with real
// signatures), beside the mock at 0 ms measured in the same run.
// --scale: the system at each size at 0 ms, time per payment against the smallest size, worker RSS and
// Redis memory (default above 10,000 payments: 10000,<payments>). --worker-processes: 0 runs the workers
// in this process (the default); N spawns N real worker processes (apps/worker/src/main.ts) sharing the
// queues, each at --concurrency; a list runs the system once per number. Worker settings no option gives
// (DATABASE_POOL_SIZE, PAY_...) come from the environment, for both. --compiled: the worker processes run
// the built JavaScript under plain node (pnpm build first), as production does.
import { parseArgs } from 'node:util';
import { makeMockProvider } from '@payouts/providers';
import { bareFlow, literalSequential, rawSqlTransitions } from './baselines.ts';
import { type BenchEnv, makeBenchEnv, timed } from './bench-env.ts';
import { type BaselineName, type BenchReport, printReport } from './bench-report.ts';
import { startBenchSandbox } from './rise-sandbox-bench.ts';
import { createBatch, runSystem, type SystemRun } from './system-run.ts';

const { values } = parseArgs({
  options: {
    payments: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '50' },
    latencies: { type: 'string', default: '0,50' },
    'per-affiliate': { type: 'string', default: '10' },
    provider: { type: 'string', default: 'mock' },
    scale: { type: 'string' },
    'worker-processes': { type: 'string', default: '0' },
    baselines: { type: 'string' },
    compiled: { type: 'boolean', default: false },
  },
});

/** A comma-separated list of whole numbers of at least `min`, or a stop naming the option. */
function numbers(option: string, value: string, min: number): number[] {
  const list = value.split(',').map((v) => Number(v.trim()));
  if (list.length === 0 || list.some((v) => !Number.isInteger(v) || v < min)) {
    throw new Error(`--${option} must be whole numbers >= ${min}, comma-separated, not ${value}`);
  }
  return list;
}

function number(option: string, value: string, min: number): number {
  const [only, ...more] = numbers(option, value, min);
  if (only === undefined || more.length > 0) throw new Error(`--${option} takes one number, not ${value}`);
  return only;
}

const n = number('payments', values.payments, 1);
const concurrency = number('concurrency', values.concurrency, 1);
const perAffiliate = number('per-affiliate', values['per-affiliate'], 5);
const latencies = numbers('latencies', values.latencies, 0);
const workerProcesses = [...new Set(numbers('worker-processes', values['worker-processes'], 0))];
// Worker processes run dist/main.js under plain node, as production does (after `pnpm build`).
const compiled = values.compiled ?? false;
if (compiled && workerProcesses.includes(0)) throw new Error('--compiled needs --worker-processes 1 or more');
function scaleSizes(): number[] {
  if (values.scale === 'none') return [];
  if (values.scale !== undefined) return numbers('scale', values.scale, 1);
  // Above 10,000 payments the 10,000 figures come with it, measured in the same run.
  return n > 10_000 ? [10_000, n] : [];
}
const scale = scaleSizes();
// The seed's approach pays one payment at a time: above 10,000 it would outlast everything else.
const baselinesAsked = values.baselines ?? (n > 10_000 ? 'a,b' : 'a,b,c');
const baselines = baselinesAsked === 'none' ? [] : baselinesAsked.split(',');
const baselinesLeftOut =
  values.baselines === undefined
    ? `above 10,000 payments (one payment at a time would take too long; --baselines a,b,c runs it)`
    : 'not in --baselines';
if (baselines.some((b) => !['a', 'b', 'c'].includes(b))) throw new Error(`--baselines must be a,b,c or none`);
for (const size of [n, ...scale]) {
  if (size % perAffiliate !== 0) throw new Error(`${size} payments: not a multiple of --per-affiliate ${perAffiliate}`);
}
if (values.provider !== 'mock' && values.provider !== 'rise') {
  throw new Error(`--provider must be mock or rise, not ${values.provider}`);
}

const progress = (what: string) => process.stderr.write(`[${new Date().toISOString()}] ${what}\n`);
const inProcesses = (p: number) => (p === 0 ? '' : `, ${p} worker process${p > 1 ? 'es' : ''}`);

async function pendingTransactionIds(env: BenchEnv): Promise<string[]> {
  await env.reset();
  await createBatch(env, n);
  const rows = await env.db.disbursementTransaction.findMany({ select: { id: true }, orderBy: { id: 'asc' } });
  return rows.map((r) => r.id);
}

/** The runs at --payments: the system at each latency (and against the Rise sandbox), then the baselines. */
async function runMain(env: BenchEnv, runs: SystemRun[]): Promise<Partial<Record<BaselineName, number>>> {
  for (const latencyMs of latencies) {
    for (const p of workerProcesses) {
      progress(`system at ${latencyMs} ms latency${inProcesses(p)}`);
      runs.push(await runSystem(env, { payments: n, concurrency, latencyMs, workerProcesses: p, compiled }));
    }
  }
  if (values.provider === 'rise') {
    const sandbox = await startBenchSandbox(env);
    try {
      for (const p of workerProcesses) {
        progress(`system against the Rise sandbox${inProcesses(p)}`);
        runs.push(
          await runSystem(env, { payments: n, concurrency, latencyMs: 0, workerProcesses: p, compiled, sandbox }),
        );
      }
    } finally {
      await sandbox.stop();
    }
  }

  const measured: Partial<Record<BaselineName, number>> = {};
  if (baselines.includes('a')) {
    progress('(a) bare BullMQ flow');
    measured.a = (await timed(() => bareFlow(env.redisUrl, env.prefix(), n, concurrency))).ms;
  }
  if (baselines.includes('b')) {
    progress('(b) raw SQL state transitions');
    const ids = await pendingTransactionIds(env);
    measured.b = (await timed(() => rawSqlTransitions(env.databaseUrl, ids, concurrency))).ms;
  }
  if (baselines.includes('c')) {
    progress("(c) the seed's sequential approach");
    const ids = await pendingTransactionIds(env);
    measured.c = (await timed(() => literalSequential(env.db, makeMockProvider({ db: env.db }), ids))).ms;
  }
  return measured;
}

async function main() {
  const runs: SystemRun[] = [];
  let measured: Partial<Record<BaselineName, number>> = {};
  let maxConnections = 0;
  // One database per size (payouts_bench_<pid>, made and dropped in turn), smallest first.
  for (const size of [...new Set([n, ...scale])].sort((x, y) => x - y)) {
    const env = await makeBenchEnv(size, perAffiliate);
    try {
      const [row] = await env.db.$queryRaw<{ max_connections: string }[]>`SHOW max_connections`;
      maxConnections = Number(row?.max_connections ?? 0);
      if (size === n) measured = await runMain(env, runs);
      if (!scale.includes(size)) continue;
      for (const p of workerProcesses) {
        // A run at --payments and 0 ms serves the scale table too.
        const done = runs.some((r) => r.payments === size && r.latencyMs === 0 && !r.rise && r.workerProcesses === p);
        if (done) continue;
        progress(`scale: system at ${size} payments, 0 ms latency${inProcesses(p)}`);
        runs.push(await runSystem(env, { payments: size, concurrency, latencyMs: 0, workerProcesses: p, compiled }));
      }
    } finally {
      await env.close();
    }
  }
  const report: BenchReport = {
    payments: n,
    concurrency,
    runs,
    baselines: measured,
    baselinesLeftOut,
    workerProcesses,
    scale,
    maxConnections,
  };
  printReport(report);
}

await main();
// Connections of the baselines may linger; the measurements are printed.
process.exit(0);
