// The soak's chaos schedule: which fault, when, for how long, against what. A pure function of the seed
// and the run's shape, so the same seed gives the same schedule (printed at the start, tested).

export type SoakProvider = 'mock' | 'rise';

/** Every provider's faults; the first permutation of a schedule holds each of them once. */
export const commonFaultKinds = [
  'worker-kill', // SIGKILL one worker; it is started again after `durationMs`
  'worker-term', // SIGTERM one worker (graceful: finishes its active jobs); started again after `durationMs`
  'redis-restart', // SIGKILL Redis, start it again on the same port after `durationMs` (no persistence: empty)
  'redis-flush', // FLUSHALL, once per run
  'pg-terminate', // pg_terminate_backend on every Postgres connection of the workers
  'provider-faults', // errors, rate limits and lost answers from the provider for `durationMs`
  'api-restart', // SIGTERM the API, start it again on the same port after `durationMs`
] as const;

/** Faults only the Rise sandbox can play. */
export const riseFaultKinds = [
  'provider-balance', // the team's balance is 0 for `durationMs` (INSUFFICIENT_BALANCE), then refilled
  'payment-removed', // `count` COMPLETED payments removed at Rise: signed webhooks, then REVERSED here
] as const;

export type FaultKind = (typeof commonFaultKinds)[number] | (typeof riseFaultKinds)[number];

export function faultKindsOf(provider: SoakProvider): FaultKind[] {
  return provider === 'rise' ? [...commonFaultKinds, ...riseFaultKinds] : [...commonFaultKinds];
}

/** Faults that may come only once in a run (the rest may repeat). */
const onceOnly: ReadonlySet<FaultKind> = new Set(['redis-flush']);

/** How long each fault lasts before it is lifted, as a range of milliseconds; [0, 0]: at once. */
const durationRangeMs: Record<FaultKind, readonly [number, number]> = {
  'worker-kill': [1_000, 5_000],
  'worker-term': [1_000, 5_000],
  'redis-restart': [1_000, 4_000],
  'redis-flush': [0, 0],
  'pg-terminate': [0, 0],
  'provider-faults': [5_000, 20_000],
  'api-restart': [1_000, 4_000],
  'provider-balance': [3_000, 10_000],
  'payment-removed': [0, 0],
};

export interface PlannedFault {
  /** 1, 2, 3... in the order they are injected. */
  n: number;
  kind: FaultKind;
  /** When it is injected, from the start of the workload: never sooner (later when the one before recovers late). */
  atMs: number;
  /** How long the fault lasts before it is lifted (down time or window); 0 for one that is over at once. */
  durationMs: number;
  /** The worker (0-based) it hits: worker-kill, worker-term, and provider-faults on the mock. */
  worker?: number;
  /** payment-removed: how many payments. */
  count?: number;
  /** provider-faults: the seed of the mock's faults (MOCK_PROVIDER_SEED) or the sandbox's script; payment-removed: of the choice. */
  faultSeed?: number;
}

export interface Schedule {
  seed: number;
  provider: SoakProvider;
  workers: number;
  runMs: number;
  /** No fault before this: the system warms up, and every kind has a baseline to recover to. */
  warmupMs: number;
  /** No fault after runMs - tailMs: the last one recovers before the workload stops. */
  tailMs: number;
  /** Each fault has a slot of its own; it is lifted at least minGapMs before the next slot's fault. */
  slotMs: number;
  minGapMs: number;
  faults: PlannedFault[];
}

export interface ScheduleOptions {
  seed: number;
  /** How long the workload runs (faults are injected within it). */
  runMs: number;
  provider: SoakProvider;
  workers: number;
  /** Average time between faults; each kind comes at least once however long the run. Default 30 s. */
  meanGapMs?: number;
  /** Least time between one fault being lifted and the next being injected. Default 5 s. */
  minGapMs?: number;
}

/** mulberry32: a small, fast, seeded PRNG with uniform output in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [min, max] from a PRNG. */
export function randomInt(rng: () => number, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1));
}

function shuffled<T>(rng: () => number, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = randomInt(rng, 0, i);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** The shortest run (in ms) whose schedule can hold every kind once, each in a slot of its own. */
export function shortestRunMs(provider: SoakProvider, minGapMs = 5_000): number {
  const kinds = faultKindsOf(provider).length;
  return 2 * edgeMs(0) + kinds * (minGapMs + 1_000);
}

/** Warm-up and tail: 5% of the run, at least 10 s, at most 60 s. */
function edgeMs(runMs: number): number {
  return Math.min(60_000, Math.max(10_000, Math.round(runMs * 0.05)));
}

/**
 * The faults of a run: every kind of the provider once, in a seeded order, then kinds drawn at random
 * (redis-flush never again) until the run is full at about one fault per `meanGapMs`. Each fault has a
 * slot of its own, at a seeded point in it, and is lifted at least `minGapMs` before the next one is
 * injected, so that each recovery is measured on its own.
 */
export function buildSchedule(options: ScheduleOptions): Schedule {
  const { seed, runMs, provider, workers } = options;
  const meanGapMs = options.meanGapMs ?? 30_000;
  const minGapMs = options.minGapMs ?? 5_000;
  if (!Number.isSafeInteger(seed)) throw new Error(`the seed must be an integer, not ${seed}`);
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`workers must be at least 1, not ${workers}`);
  if (runMs < shortestRunMs(provider, minGapMs)) {
    const seconds = Math.ceil(shortestRunMs(provider, minGapMs) / 1000);
    throw new Error(`a run of ${Math.round(runMs / 1000)} s cannot hold every fault once: at least ${seconds} s`);
  }
  const rng = mulberry32(seed);
  const kinds = faultKindsOf(provider);
  const warmupMs = edgeMs(runMs);
  const tailMs = edgeMs(runMs);
  const usableMs = runMs - warmupMs - tailMs;
  const count = Math.max(kinds.length, Math.floor(usableMs / meanGapMs));
  const slotMs = Math.floor(usableMs / count);

  const repeatable = kinds.filter((kind) => !onceOnly.has(kind));
  const order = shuffled(rng, kinds);
  while (order.length < count) order.push(repeatable[randomInt(rng, 0, repeatable.length - 1)] as FaultKind);

  const faults = order.map((kind, i): PlannedFault => {
    const [low, high] = durationRangeMs[kind];
    // A fault lasts at most what its slot leaves after the gap the next one needs.
    const longest = Math.max(0, slotMs - minGapMs - 1_000);
    const durationMs = Math.min(randomInt(rng, low, high), longest);
    const slack = slotMs - durationMs - minGapMs;
    const atMs = warmupMs + i * slotMs + Math.floor(rng() * slack);
    const fault: PlannedFault = { n: i + 1, kind, atMs, durationMs };
    if (kind === 'worker-kill' || kind === 'worker-term' || (kind === 'provider-faults' && provider === 'mock')) {
      fault.worker = randomInt(rng, 0, workers - 1);
    }
    if (kind === 'provider-faults' || kind === 'payment-removed') fault.faultSeed = randomInt(rng, 1, 1_000_000);
    if (kind === 'payment-removed') fault.count = randomInt(rng, 2, 10);
    return fault;
  });
  return { seed, provider, workers, runMs, warmupMs, tailMs, slotMs, minGapMs, faults };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** One readable line per fault, for the start of the report. */
export function describeFault(fault: PlannedFault): string {
  const parts: string[] = [];
  if (fault.worker !== undefined) parts.push(`worker ${fault.worker + 1}`);
  if (fault.count !== undefined) parts.push(`${fault.count} payments`);
  if (fault.durationMs > 0) {
    const what = fault.kind === 'provider-faults' || fault.kind === 'provider-balance' ? 'for' : 'down';
    parts.push(`${what} ${seconds(fault.durationMs)}`);
  }
  if (fault.faultSeed !== undefined) parts.push(`fault seed ${fault.faultSeed}`);
  return `${fault.kind}${parts.length > 0 ? ` (${parts.join(', ')})` : ''}`;
}

export function formatSchedule(schedule: Schedule): string[] {
  const head =
    `chaos schedule (seed ${schedule.seed}, ${schedule.provider}, ${schedule.workers} workers, ` +
    `${schedule.faults.length} faults over ${seconds(schedule.runMs)}; one per ${seconds(schedule.slotMs)} slot, ` +
    `none in the first ${seconds(schedule.warmupMs)} or the last ${seconds(schedule.tailMs)}):`;
  const lines = schedule.faults.map(
    (f) => `  #${String(f.n).padEnd(3)} at ${seconds(f.atMs).padStart(8)}  ${describeFault(f)}`,
  );
  return [head, ...lines];
}
