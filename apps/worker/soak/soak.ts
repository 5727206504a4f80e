// `pnpm soak`: the whole system (API, workers, Redis, Postgres, and the Rise sandbox with --provider rise)
// under a steady workload while a seeded chaos schedule kills, restarts, flushes and breaks its parts;
// then it drains, checks DESIGN.md's invariants and the provider's ledger, and prints a report ending in
// VERDICT: PASS or FAIL (exit 0 or 1). Run by hand or in CI (apps/worker/test/soak.int.test.ts).
//   pnpm soak --minutes 25 --seed 7 [--provider mock|rise] [--workers 2|3] [--rate 125|25]
//             [--batch-min 300|100] [--batch-max 2000|500] [--in-flight 3] [--backlog <batch-max>]
//             [--affiliates 6000] [--concurrency 20] [--latency-ms 50] [--fault-every 30] [--drain 300]
//             [--keep-logs] [--keep-database]
// (defaults: mock|rise)
// Postgres: DATABASE_URL's server (default the local one); the soak makes and drops its own database.
import { parseArgs } from 'node:util';
import { runSoak, type SoakOptions } from './run-soak.ts';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    seed: { type: 'string', default: '1' },
    provider: { type: 'string', default: 'mock' },
    workers: { type: 'string', default: '2' },
    rate: { type: 'string' },
    'batch-min': { type: 'string' },
    'batch-max': { type: 'string' },
    'in-flight': { type: 'string', default: '3' },
    backlog: { type: 'string' },
    affiliates: { type: 'string', default: '6000' },
    concurrency: { type: 'string', default: '20' },
    'latency-ms': { type: 'string', default: '50' },
    'fault-every': { type: 'string', default: '30' },
    drain: { type: 'string', default: '300' },
    'keep-logs': { type: 'boolean', default: false },
    'keep-database': { type: 'boolean', default: false },
  },
});

// The mock pays several hundred a second here; the Rise sandbox (signatures, webhooks) a few dozen.
const defaults = {
  mock: { rate: '125', 'batch-min': '300', 'batch-max': '2000' },
  rise: { rate: '25', 'batch-min': '100', 'batch-max': '500' },
} as const;

function number(option: string, value: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max)
    throw new Error(`--${option} must be a number in [${min}, ${max}], not ${value}`);
  return n;
}
function integer(option: string, value: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = number(option, value, min, max);
  if (!Number.isInteger(n)) throw new Error(`--${option} must be a whole number, not ${value}`);
  return n;
}

const provider = values.provider;
if (provider !== 'mock' && provider !== 'rise') throw new Error(`--provider must be mock or rise, not ${provider}`);
const given = {
  ...defaults[provider],
  ...Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)),
};
const batchMin = integer('batch-min', given['batch-min'], 5, 4000);
const batchMax = integer('batch-max', given['batch-max'], batchMin, 4000);
const aborting = new AbortController();
const options: SoakOptions = {
  minutes: number('minutes', values.minutes, 0.5),
  seed: integer('seed', values.seed, -(2 ** 31), 2 ** 32 - 1),
  provider,
  workers: integer('workers', values.workers, 1, 3),
  rate: number('rate', given.rate, 1),
  batchMin,
  batchMax,
  inFlight: integer('in-flight', values['in-flight'], 1, 10),
  maxBacklog: integer('backlog', values.backlog ?? String(batchMax), 1),
  affiliates: integer('affiliates', values.affiliates, 100),
  concurrency: integer('concurrency', values.concurrency, 1, 100),
  latencyMs: integer('latency-ms', values['latency-ms'], 0, 10_000),
  meanGapSeconds: number('fault-every', values['fault-every'], 5),
  drainSeconds: number('drain', values.drain, 10),
  serverUrl: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres',
  keepLogs: values['keep-logs'],
  keepDatabase: values['keep-database'],
  log: (line) => process.stderr.write(`${line}\n`),
  signal: aborting.signal,
};
// Enough affiliates that each batch in flight finds idle ones (5 commissions each).
if (options.affiliates * 5 < options.batchMax * (options.inFlight + 1)) {
  throw new Error(
    `--affiliates ${options.affiliates} is too few for --batch-max ${batchMax} x --in-flight ${options.inFlight}`,
  );
}

let interrupted = false;
const interrupt = (signal: string) => {
  if (interrupted) return;
  interrupted = true;
  process.stderr.write(`\n${signal}: stopping the soak and cleaning up (its processes, Redis and database)...\n`);
  aborting.abort();
};
process.on('SIGINT', () => interrupt('SIGINT'));
process.on('SIGTERM', () => interrupt('SIGTERM'));

try {
  const result = await runSoak(options);
  process.stdout.write(`${result.report.join('\n')}\n`);
  process.exit(interrupted ? 130 : result.pass ? 0 : 1);
} catch (error) {
  if (interrupted) {
    process.stderr.write('interrupted: the soak stopped and cleaned up; no verdict\n');
    process.exit(130);
  }
  process.stderr.write(`soak failed: ${(error as Error).stack ?? error}\n`);
  process.stdout.write('VERDICT: FAIL\n');
  process.exit(1);
}
