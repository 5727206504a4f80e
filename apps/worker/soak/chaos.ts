import { pause } from './api-client.ts';
import { type ChaosDeps, injectAndLift, SoakAborted } from './chaos-actions.ts';
import { heldClaims, type ProbeDeps, type Recovery, waitClaimsSettled, waitForRecovery } from './recovery.ts';
import { describeFault, type PlannedFault, type Schedule } from './schedule.ts';

// Plays the schedule against the running system: each fault at its time (or, when the one before has
// not recovered yet, once it has: overlapping faults would make recovery times meaningless), lifted
// after its duration, then measured until the system has recovered and the claims it caught settled.

export interface FaultRecord {
  fault: PlannedFault;
  /** Milliseconds since the soak started. */
  injectedAtMs?: number;
  liftedAtMs?: number;
  recovery: Recovery;
  /** Payments PROCESSING or UNKNOWN when it hit. */
  claimsHeld: number;
  claimsSettledAtMs?: number;
  detail: string[];
  /** What went wrong beyond the fault itself (each one fails the soak). */
  problems: string[];
}

export interface ChaosOptions {
  probe: ProbeDeps;
  log: (line: string) => void;
  /** Longest wait for a recovery (and for the claims to settle) before the next fault goes ahead anyway. */
  recoveryCapMs: number;
  /** Longest wait, at a fault's time, for payments in flight to hit. */
  busyWaitMs: number;
}

const seconds = (ms: number | undefined) => (ms === undefined ? '-' : `${(ms / 1000).toFixed(1)} s`);

export async function runChaos(deps: ChaosDeps, schedule: Schedule, options: ChaosOptions): Promise<FaultRecord[]> {
  const { probe, log } = options;
  const records: FaultRecord[] = [];
  const kinds = new Set(schedule.faults.map((f) => f.kind));
  const seen = new Set<string>();
  for (const fault of schedule.faults) {
    // Late recoveries push faults back; past the run's end, only kinds not seen yet still go ahead.
    if (Date.now() > probe.startedAt + schedule.runMs && seen.size === kinds.size) {
      log(`the run is over: faults #${fault.n}-#${schedule.faults.length} left out (every kind was injected)`);
      break;
    }
    const wait = probe.startedAt + fault.atMs - Date.now();
    if (wait > 0) await pause(wait, probe.signal);
    if (probe.signal.aborted) break;
    // A fault that hits an idle system (the workload between batches) tests little: wait a while for
    // payments in flight.
    const busySince = Date.now();
    let claims = await heldClaims(probe.db).catch(() => []);
    while (claims.length === 0 && Date.now() - busySince < options.busyWaitMs && !probe.signal.aborted) {
      await pause(100, probe.signal);
      claims = await heldClaims(probe.db).catch(() => []);
    }
    const record: FaultRecord = { fault, recovery: {}, claimsHeld: claims.length, detail: [], problems: [] };
    records.push(record);
    log(`#${fault.n} ${describeFault(fault)}: injecting (${claims.length} payments claimed or unknown)`);
    let settled: (() => Promise<boolean>) | undefined;
    // The claims are followed from the injection on, while the fault lasts.
    let claimsSettled: Promise<number | undefined> | undefined;
    const followClaims = () => waitClaimsSettled(probe, claims, options.recoveryCapMs);
    try {
      const injected = await injectAndLift(deps, fault, {
        onInjected: () => {
          seen.add(fault.kind);
          record.injectedAtMs = Date.now() - probe.startedAt;
          claimsSettled = followClaims();
        },
        signal: probe.signal,
      });
      record.detail.push(...injected.detail);
      record.problems.push(...injected.problems);
      settled = injected.settled;
    } catch (error) {
      if (error instanceof SoakAborted) break;
      record.problems.push(`injecting or lifting failed: ${(error as Error).message}`);
    }
    record.liftedAtMs = Date.now() - probe.startedAt;
    record.injectedAtMs ??= record.liftedAtMs;
    const [recovery, claimsSettledAtMs] = await Promise.all([
      waitForRecovery(probe, probe.startedAt + record.liftedAtMs, options.recoveryCapMs, settled),
      claimsSettled ?? followClaims(),
    ]);
    if (probe.signal.aborted) break;
    record.recovery = recovery;
    record.claimsSettledAtMs = claimsSettledAtMs;
    const cap = seconds(options.recoveryCapMs);
    if (recovery.recoveredAtMs === undefined) record.problems.push(`not recovered within ${cap} of being lifted`);
    if (claimsSettledAtMs === undefined) record.problems.push(`claims held at the injection not settled within ${cap}`);
    const from = record.injectedAtMs;
    log(
      `#${fault.n} ${fault.kind}: ${record.detail.join('; ')}; recovered in ${seconds(
        recovery.recoveredAtMs === undefined ? undefined : recovery.recoveredAtMs - from,
      )}, claims settled in ${seconds(claimsSettledAtMs === undefined ? undefined : claimsSettledAtMs - from)}` +
        (record.problems.length > 0 ? `; PROBLEMS: ${record.problems.join('; ')}` : ''),
    );
  }
  return records;
}
