import type { SystemRun } from './system-run.ts';

export type BaselineName = 'a' | 'b' | 'c';

export interface BenchReport {
  payments: number;
  concurrency: number;
  /** Every system run, at `payments` and at the sizes of `scale`. */
  runs: SystemRun[];
  /** Milliseconds of each baseline run at `payments`; a baseline missing here was not run. */
  baselines: Partial<Record<BaselineName, number>>;
  /** Why the baselines that did not run were left out. */
  baselinesLeftOut: string;
  workerProcesses: number[];
  scale: number[];
  maxConnections: number;
}

const perSecond = (payments: number, ms: number) => Math.round((payments * 1000) / Math.max(ms, 1));
const ratio = (a: number, b: number) => `${(a / Math.max(b, 1)).toFixed(2)}x`;
const processes = (n: number) => (n === 0 ? 'in the bench process' : `${n} worker process${n > 1 ? 'es' : ''}`);
const invariants = (run: SystemRun) => (run.counts ? 'hold' : `BROKEN: ${run.problems.join('; ')}`);

const baselineLabels: Record<BaselineName, string> = {
  a: '(a) bare BullMQ flow, no-op children',
  b: '(b) raw SQL state transitions',
  c: "(c) seed's literal approach, 0 ms",
};

/** The runs at the main size, the baselines, and how the system compares with them. */
function printMain(report: BenchReport) {
  const { payments: n, concurrency, baselines } = report;
  const runs = report.runs.filter((r) => r.payments === n);
  const several = report.workerProcesses.length > 1;
  const mode = (run: SystemRun) => (several ? `, ${processes(run.workerProcesses)}` : '');

  console.log(`\npayouts benchmark: ${n} payments, worker concurrency ${concurrency}, mock provider`);
  console.log('run                                  time ms   payments/s   peak RSS MB   invariants');
  for (const run of runs) {
    console.log(
      `${run.label.padEnd(36)} ${String(run.executeMs).padStart(8)}   ${String(perSecond(n, run.executeMs)).padStart(10)}   ${run.peakRssMb.join('/').padStart(11)}   ${invariants(run)}`,
    );
    console.log(`${'  of which batch creation (before)'.padEnd(36)} ${String(run.createMs).padStart(8)}`);
  }
  for (const name of ['a', 'b', 'c'] as const) {
    const ms = baselines[name];
    console.log(
      ms === undefined
        ? `${baselineLabels[name].padEnd(36)}  not run: ${report.baselinesLeftOut}`
        : `${baselineLabels[name].padEnd(36)} ${String(ms).padStart(8)}   ${String(perSecond(n, ms)).padStart(10)}`,
    );
  }
  if (report.workerProcesses.some((p) => p > 0)) {
    console.log('peak RSS MB: of the bench process when the workers run in it, else of each worker process');
  }

  const comparisons: string[] = [];
  for (const zero of runs.filter((r) => r.latencyMs === 0 && !r.rise && r.counts)) {
    const { a, b, c } = baselines;
    if (a !== undefined && b !== undefined) {
      comparisons.push(`0 ms${mode(zero)}: system / (a+b) = ${ratio(zero.executeMs, a + b)} (target <= 1.5x)`);
    }
    if (c !== undefined)
      comparisons.push(`0 ms${mode(zero)}: (c) / system = ${ratio(c, zero.executeMs)} (target >= 3x)`);
    const rise = runs.find((r) => r.rise && r.counts && r.workerProcesses === zero.workerProcesses);
    if (rise) {
      comparisons.push(
        `Rise sandbox${mode(rise)}: ${perSecond(n, rise.executeMs)} payments/s, ${ratio(rise.executeMs, zero.executeMs)} the mock's time at 0 ms`,
      );
    }
  }
  for (const run of runs.filter((r) => r.latencyMs > 0 && !r.rise && r.counts)) {
    const p = Math.max(run.workerProcesses, 1);
    const target = Math.round((0.8 * p * concurrency * 1000) / run.latencyMs);
    const formula = run.workerProcesses > 0 ? `0.8 x ${p} x C / latency` : '0.8 x C / latency';
    comparisons.push(
      `${run.latencyMs} ms${mode(run)}: ${perSecond(n, run.executeMs)} payments/s (target >= ${formula} = ${target}/s)`,
    );
  }
  if (comparisons.length > 0) console.log(`\n${comparisons.join('\n')}`);
}

/** Payments per second with each number of worker processes, beside the first number asked for. */
function printProcesses(report: BenchReport) {
  const { payments: n } = report;
  const runs = report.runs.filter((r) => r.payments === n);
  console.log(
    `\nworker processes at ${n} payments (concurrency ${report.concurrency} each, Postgres max_connections ${report.maxConnections}):`,
  );
  const groups = new Map<string, SystemRun[]>();
  for (const run of runs) {
    const key = run.rise ? 'Rise sandbox' : `${run.latencyMs} ms latency`;
    groups.set(key, [...(groups.get(key) ?? []), run]);
  }
  for (const [key, group] of groups) {
    const first = group[0] as SystemRun;
    for (const [i, run] of group.entries()) {
      const versus =
        i === 0
          ? ''
          : ` (${ratio(first.executeMs, run.executeMs)} the rate with ${first.workerProcesses === 0 ? 'workers ' : ''}${processes(first.workerProcesses)})`;
      console.log(
        `${(i === 0 ? `  ${key}:` : '').padEnd(20)} ${processes(run.workerProcesses).padEnd(22)} ${String(perSecond(n, run.executeMs)).padStart(6)} payments/s${versus}, peak RSS ${run.peakRssMb.join('/')} MB, peak DB connections ${run.peakConnections}${run.counts ? '' : `, ${invariants(run)}`}`,
      );
    }
  }
}

/** Time per payment at each size at 0 ms, against the smallest, with the memory of the worker and Redis. */
function printScale(report: BenchReport) {
  const runs = report.runs
    .filter((r) => report.scale.includes(r.payments) && r.latencyMs === 0 && !r.rise)
    .sort((x, y) => x.workerProcesses - y.workerProcesses || x.payments - y.payments);
  console.log(`\nscale: system at 0 ms latency, worker concurrency ${report.concurrency}, mock provider`);
  console.log(
    'payments   procs   execute s   ms/payment   ratio   worker peak RSS MB   Redis MB before   after run   after retention   invariants',
  );
  const msPer = (run: SystemRun) => run.executeMs / run.payments;
  for (const run of runs) {
    const smallest = runs.find((r) => r.workerProcesses === run.workerProcesses) as SystemRun;
    console.log(
      [
        String(run.payments).padStart(8),
        String(run.workerProcesses).padStart(5),
        (run.executeMs / 1000).toFixed(2).padStart(9),
        msPer(run).toFixed(3).padStart(10),
        `${(msPer(run) / msPer(smallest)).toFixed(2)}x`.padStart(5),
        run.peakRssMb.join('/').padStart(18),
        run.redisMb.before.toFixed(1).padStart(15),
        run.redisMb.after.toFixed(1).padStart(9),
        run.redisMb.retained.toFixed(1).padStart(15),
        invariants(run),
      ].join('   '),
    );
  }
  console.log('procs: worker processes, 0 = workers in the bench process (its RSS then includes the bench)');
  console.log('ratio: ms/payment over that of the smallest size with as many processes (1.00x: linear)');
  console.log('Redis MB: used_memory of the whole server (INFO memory; others share it), before the run, after it');
  console.log('  (workers stopped), and after retention: every completed and failed job removed, as');
  console.log('  removeOnComplete (24 h) and removeOnFail (7 days) leave the queues once those ages pass');
  if (report.scale.some((size) => size !== report.payments) && Object.keys(report.baselines).length > 0) {
    console.log(`baselines (a), (b), (c): at ${report.payments} payments only (above)`);
  }
}

export function printReport(report: BenchReport) {
  printMain(report);
  if (report.workerProcesses.some((p) => p > 0)) printProcesses(report);
  if (report.scale.length > 0) printScale(report);
}
