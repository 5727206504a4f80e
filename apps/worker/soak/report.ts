import type { FaultRecord } from './chaos.ts';
import type { Check } from './final-checks.ts';
import type { UnexpectedExit } from './processes.ts';
import { type FaultKind, faultKindsOf, type Schedule } from './schedule.ts';
import type { WorkloadStats } from './workload.ts';

// The soak's report: what was paid, what was done to the system and how long it took to recover, what
// was checked, and the verdict. Plain text, to quote.

export interface SoakFigures {
  schedule: Schedule;
  /** Seconds the workload ran, and the drain after it. */
  ranSeconds: number;
  drainSeconds: number;
  drained: boolean;
  payments: { completed: number; completedTotal: string; failed: number; reversed: number; cancelled: number };
  batches: Record<string, number>;
  /** Audit rows of the system repairing itself, by action (payment.requeued, payment.claim_taken_over...). */
  repairs: Record<string, number>;
  ledger: { payments: number; total: string };
  deadLetters: number;
  workload: WorkloadStats;
  records: FaultRecord[];
  checks: Check[];
  unexpectedExits: UnexpectedExit[];
  /** Exit codes of the final graceful stop, by process name. */
  finalExits: Record<string, number | null>;
  peakRssMb: Record<string, number>;
  /** Problems outside the checks (the run itself): a drain that timed out, an abort... */
  runProblems: string[];
  logDir: string;
}

const grouped = (n: number) => n.toLocaleString('en-US');
const secs = (ms: number) => `${(ms / 1000).toFixed(1)}`;

function spread(values: number[]): string {
  if (values.length === 0) return '-';
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
  return `${secs(sorted[0] ?? 0)} / ${secs(median)} / ${secs(sorted[sorted.length - 1] ?? 0)} s`;
}

/** Faults injected, by kind. */
export function injectedByKind(records: FaultRecord[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of records) if (r.injectedAtMs !== undefined) counts[r.fault.kind] = (counts[r.fault.kind] ?? 0) + 1;
  return counts;
}

/** Every problem that fails the soak, with where it came from. */
export function allProblems(figures: SoakFigures): string[] {
  const problems: string[] = [...figures.runProblems];
  for (const check of figures.checks) for (const p of check.problems) problems.push(`${check.name}: ${p}`);
  for (const r of figures.records)
    for (const p of r.problems) problems.push(`fault #${r.fault.n} ${r.fault.kind}: ${p}`);
  for (const e of figures.unexpectedExits) {
    problems.push(
      `${e.name} (pid ${e.pid}) exited unexpectedly at ${secs(e.atMs)} s, code ${e.code}, signal ${e.signal}`,
    );
  }
  for (const [name, code] of Object.entries(figures.finalExits)) {
    if (code !== 0) problems.push(`${name} exited ${code} on the final SIGTERM`);
  }
  for (const error of figures.workload.errors) problems.push(`workload: ${error}`);
  const injected = injectedByKind(figures.records);
  const missing = faultKindsOf(figures.schedule.provider).filter((kind) => !injected[kind]);
  if (missing.length > 0) problems.push(`faults never injected: ${missing.join(', ')}`);
  return problems;
}

function faultTable(figures: SoakFigures): string[] {
  const lines = [
    `  ${'kind'.padEnd(17)} ${'count'.padStart(5)}   ${'recovered in (min / median / max)'.padEnd(34)} claims settled in (min / median / max)`,
  ];
  const kinds = faultKindsOf(figures.schedule.provider) as FaultKind[];
  for (const kind of kinds) {
    const records = figures.records.filter((r) => r.fault.kind === kind && r.injectedAtMs !== undefined);
    const recovered = records.flatMap((r) =>
      r.recovery.recoveredAtMs === undefined ? [] : [r.recovery.recoveredAtMs - (r.injectedAtMs ?? 0)],
    );
    const settled = records.flatMap((r) =>
      r.claimsSettledAtMs === undefined ? [] : [r.claimsSettledAtMs - (r.injectedAtMs ?? 0)],
    );
    const notRecovered = records.length - recovered.length;
    const recoveredText = `${spread(recovered)}${notRecovered > 0 ? ` (${notRecovered} never)` : ''}`;
    lines.push(
      `  ${kind.padEnd(17)} ${String(records.length).padStart(5)}   ${recoveredText.padEnd(34)} ${spread(settled)}`,
    );
  }
  return lines;
}

function faultLog(records: FaultRecord[]): string[] {
  return records.map((r) => {
    const at = r.injectedAtMs === undefined ? '-' : `${secs(r.injectedAtMs)} s`;
    const recovered =
      r.recovery.recoveredAtMs === undefined
        ? 'not recovered'
        : `${secs(r.recovery.recoveredAtMs - (r.injectedAtMs ?? 0))} s`;
    return `  #${String(r.fault.n).padEnd(3)} ${at.padStart(8)}  ${r.fault.kind.padEnd(16)} recovered ${recovered.padEnd(8)} ${r.detail.join('; ')}`;
  });
}

export function formatReport(figures: SoakFigures): { lines: string[]; pass: boolean } {
  const { schedule, payments, workload } = figures;
  const problems = allProblems(figures);
  const pass = problems.length === 0;
  const rate = figures.ranSeconds > 0 ? Math.round(payments.completed / figures.ranSeconds) : 0;
  const failures = Object.entries(workload.failures)
    .sort((a, b) => b[1] - a[1])
    .map(([label, n]) => `${label} x${grouped(n)}`)
    .join(', ');
  const injected = injectedByKind(figures.records);
  const lines = [
    `==== payouts soak: seed ${schedule.seed}, ${schedule.provider} provider, ${schedule.workers} workers, ` +
      `${secs(figures.ranSeconds * 1000)} s of workload and chaos, then ${secs(figures.drainSeconds * 1000)} s to drain ====`,
    `payments    COMPLETED ${grouped(payments.completed)} (${payments.completedTotal} USD), FAILED ${grouped(payments.failed)}, ` +
      `REVERSED ${grouped(payments.reversed)}, CANCELLED ${grouped(payments.cancelled)}; ${grouped(rate)} payments/s over the run`,
    `batches     ${Object.entries(figures.batches)
      .map(([status, n]) => `${status} ${grouped(n)}`)
      .join(
        ', ',
      )} (workload: ${grouped(workload.batchesCreated)} created, ${grouped(workload.orphansExecuted)} found PENDING after a lost answer, ` +
      `${grouped(workload.creationsRetried)} creations retried)`,
    `ledger      ${schedule.provider === 'rise' ? 'Rise sandbox' : 'mock provider'}: ${grouped(figures.ledger.payments)} live payments, ` +
      `${figures.ledger.total} USD; dead letters ${grouped(figures.deadLetters)}`,
    `repairs     ${
      Object.entries(figures.repairs)
        .map(([action, n]) => `${action} ${grouped(n)}`)
        .join(', ') || 'none'
    } (audit rows)`,
    `api         answers retried by the workload: ${failures || 'none'}`,
    `processes   peak RSS ${Object.entries(figures.peakRssMb)
      .map(([name, mb]) => `${name} ${mb} MB`)
      .join(', ')}; unexpected exits: ${figures.unexpectedExits.length}`,
    `faults      ${figures.records.length} of ${schedule.faults.length} injected: ${Object.entries(injected)
      .map(([kind, n]) => `${kind} ${n}`)
      .join(', ')}`,
    ...faultTable(figures),
    '  (recovered: from the injection until the fault was lifted, /readyz answered 200 and a payment completed',
    '   after it, or none was waiting; claims settled: until every payment PROCESSING or UNKNOWN at the injection',
    '   had left those states)',
    'fault log',
    ...faultLog(figures.records),
    'checks',
    ...figures.checks.flatMap((check) => [
      `  ${check.problems.length === 0 ? 'OK  ' : 'FAIL'}  ${check.name}`,
      ...check.problems.slice(0, 10).map((p) => `          ${p}`),
    ]),
    ...(problems.length > 0 ? ['problems', ...problems.slice(0, 30).map((p) => `  ${p}`)] : []),
    ...(pass ? [] : [`logs        ${figures.logDir}`]),
    `VERDICT: ${pass ? 'PASS' : 'FAIL'}`,
  ];
  return { lines, pass };
}
