import { createHash } from 'node:crypto';

// Seeded fault injection for the mock provider. Everything here is pure: a call's fate depends only on
// the plan, the idempotency key, the payee and the call's attempt number for that key.

/** In this order the probabilities take consecutive slices of [0, 1): reordering changes every seeded run. */
export const faultKinds = ['transient', 'permanent', 'rateLimited', 'timeoutBeforePay', 'timeoutAfterPay'] as const;

/**
 * - transient: ProviderTransientError, nothing recorded
 * - permanent: ProviderPermanentError, nothing recorded
 * - rateLimited: ProviderRateLimitedError with retryAfterMs, nothing recorded
 * - timeoutBeforePay: ProviderOutcomeUnknownError, nothing recorded
 * - timeoutAfterPay: the payment IS recorded, then ProviderOutcomeUnknownError (the ambiguous case)
 */
export type FaultKind = (typeof faultKinds)[number];

/** What one send call does: pay normally, or fail in one of the fault kinds. */
export type CallDecision = FaultKind | 'ok';

/** A probability in [0, 1], kept to millionths: a decimal string ("0.05") or a number (0.05). */
export type Probability = string | number;

export interface MockFaultPlan {
  /** Same seed, same faults for the same keys, whatever the call order or concurrency. */
  seed: string | number;
  transient?: Probability;
  permanent?: Probability;
  rateLimited?: Probability;
  timeoutBeforePay?: Probability;
  timeoutAfterPay?: Probability;
  /** retryAfterMs of the rate-limit errors; 1000 when absent. */
  rateLimitRetryAfterMs?: number;
  /** Every call for the payee fails this way; 'permanent' also reports the payee's KYC as REJECTED. */
  byPayee?: Record<string, FaultKind>;
  /** The n-th call for the key gets the n-th step, later calls succeed. Wins over byPayee and probabilities. */
  script?: Record<string, readonly CallDecision[]>;
}

/** A plan checked and converted to integer parts per million. */
export interface ResolvedFaultPlan {
  seed: string;
  ppm: Readonly<Record<FaultKind, number>>;
  rateLimitRetryAfterMs: number;
  byPayee: ReadonlyMap<string, FaultKind>;
  script: ReadonlyMap<string, readonly CallDecision[]>;
}

export interface MockCall {
  idempotencyKey: string;
  payeeId: string;
  /** 1 for the first send call with this key, 2 for the second... */
  attempt: number;
}

export const PPM = 1_000_000;

export class MockFaultPlanError extends Error {
  override name = 'MockFaultPlanError';
}

const decimalPattern = /^(\d+)(?:\.(\d+))?$/;

/** A probability in parts per million, or undefined when it is not a number in [0, 1] with at most 6 decimals. */
export function probabilityToPpm(value: Probability): number | undefined {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0 || value > 1) return undefined;
    const ppm = Math.round(value * PPM);
    return Math.abs(ppm - value * PPM) < 1e-6 ? ppm : undefined;
  }
  const match = decimalPattern.exec(value.trim());
  if (!match) return undefined;
  const [, whole = '', fraction = ''] = match;
  if (fraction.length > 6 && /[^0]/.test(fraction.slice(6))) return undefined;
  const ppm = Number(whole) * PPM + Number(fraction.slice(0, 6).padEnd(6, '0'));
  return ppm <= PPM ? ppm : undefined;
}

/** 50000 -> "0.05": for messages. */
export function formatPpm(ppm: number): string {
  const whole = Math.floor(ppm / PPM);
  const fraction = String(ppm % PPM)
    .padStart(6, '0')
    .replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : String(whole);
}

export const probabilityMessage = 'must be a decimal in [0, 1] with at most 6 decimal places';

export function isCallDecision(value: unknown): value is CallDecision {
  return value === 'ok' || (faultKinds as readonly unknown[]).includes(value);
}

/** Checks a plan and converts it; throws MockFaultPlanError naming the bad field. */
export function resolveFaultPlan(plan: MockFaultPlan): ResolvedFaultPlan {
  const ppm = {} as Record<FaultKind, number>;
  let sum = 0;
  for (const kind of faultKinds) {
    const value = plan[kind] ?? 0;
    const parsed = probabilityToPpm(value);
    if (parsed === undefined) throw new MockFaultPlanError(`faults.${kind} ${probabilityMessage}, got ${value}`);
    ppm[kind] = parsed;
    sum += parsed;
  }
  if (sum > PPM) throw new MockFaultPlanError(`fault probabilities sum to ${formatPpm(sum)}, more than 1`);
  const retryAfter = plan.rateLimitRetryAfterMs ?? 1000;
  if (!Number.isSafeInteger(retryAfter) || retryAfter < 0) {
    throw new MockFaultPlanError(`faults.rateLimitRetryAfterMs must be an integer >= 0, got ${retryAfter}`);
  }
  for (const [payeeId, kind] of Object.entries(plan.byPayee ?? {})) {
    if (!(faultKinds as readonly unknown[]).includes(kind)) {
      throw new MockFaultPlanError(`faults.byPayee[${payeeId}] must be one of ${faultKinds.join(', ')}, got ${kind}`);
    }
  }
  for (const [key, steps] of Object.entries(plan.script ?? {})) {
    const bad = steps.find((step) => !isCallDecision(step));
    if (bad !== undefined) {
      throw new MockFaultPlanError(`faults.script[${key}] has ${bad}; steps are ok, ${faultKinds.join(', ')}`);
    }
  }
  return {
    seed: String(plan.seed),
    ppm,
    rateLimitRetryAfterMs: retryAfter,
    byPayee: new Map(Object.entries(plan.byPayee ?? {})),
    script: new Map(Object.entries(plan.script ?? {})),
  };
}

/** A uniform number in [0, 1_000_000) from sha256(`${seed}:${key}:${attempt}`). */
export function rollPpm(seed: string, idempotencyKey: string, attempt: number): number {
  const digest = createHash('sha256').update(`${seed}:${idempotencyKey}:${attempt}`).digest();
  // 64 bits modulo 10^6: the bias is below 10^-13.
  return Number(digest.readBigUInt64BE(0) % BigInt(PPM));
}

/** The fate of one send call: its key's script, else its payee's fault, else the seeded roll. */
export function decideMockCall(plan: ResolvedFaultPlan, call: MockCall): CallDecision {
  const script = plan.script.get(call.idempotencyKey);
  if (script) return script[call.attempt - 1] ?? 'ok';
  const payeeFault = plan.byPayee.get(call.payeeId);
  if (payeeFault) return payeeFault;
  const roll = rollPpm(plan.seed, call.idempotencyKey, call.attempt);
  let upTo = 0;
  for (const kind of faultKinds) {
    upTo += plan.ppm[kind];
    if (roll < upTo) return kind;
  }
  return 'ok';
}
