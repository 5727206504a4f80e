import { z } from 'zod';
import {
  type FaultKind,
  faultKinds,
  formatPpm,
  type MockFaultPlan,
  MockFaultPlanError,
  PPM,
  probabilityMessage,
  probabilityToPpm,
} from './mock-faults.ts';

// The mock provider's fault plan from the environment:
//   MOCK_PROVIDER_FAULTS="transient=0.1,permanent=0.01,rateLimited=0.02,timeoutBeforePay=0,timeoutAfterPay=0.05"
//   MOCK_PROVIDER_SEED=42                                  (an integer; 1 when unset, as in @payouts/config)
//   MOCK_PROVIDER_FAULTS_BY_PAYEE="rise_abc=permanent,rise_def=transient"
//   MOCK_PROVIDER_RETRY_AFTER_MS=1000                      (retryAfterMs of injected rate limits)

type Entries = [string, string][];

/** "a=1, b=2" -> [['a','1'], ['b','2']]; empty items are skipped, duplicates and items without '=' refused. */
function entries(value: string, ctx: z.RefinementCtx): Entries | undefined {
  const result: Entries = [];
  for (const item of value.split(',')) {
    if (item.trim() === '') continue;
    const at = item.indexOf('=');
    const name = item.slice(0, at).trim();
    if (at < 0 || name === '') {
      ctx.addIssue({ code: 'custom', message: `expected name=value, got "${item.trim()}"` });
      return undefined;
    }
    if (result.some(([seen]) => seen === name)) {
      ctx.addIssue({ code: 'custom', message: `${name} is given twice` });
      return undefined;
    }
    result.push([name, item.slice(at + 1).trim()]);
  }
  return result;
}

const isFaultKind = (value: string): value is FaultKind => (faultKinds as readonly string[]).includes(value);
const kindsList = faultKinds.join(', ');

const probabilities = z.string().transform((value, ctx) => {
  const items = entries(value, ctx);
  if (!items) return z.NEVER;
  const plan: Partial<Record<FaultKind, string>> = {};
  let sum = 0;
  for (const [kind, probability] of items) {
    if (!isFaultKind(kind)) {
      ctx.addIssue({ code: 'custom', message: `unknown fault "${kind}"; known: ${kindsList}` });
      return z.NEVER;
    }
    const ppm = probabilityToPpm(probability);
    if (ppm === undefined) {
      ctx.addIssue({ code: 'custom', message: `${kind} ${probabilityMessage}, got "${probability}"` });
      return z.NEVER;
    }
    plan[kind] = probability;
    sum += ppm;
  }
  if (sum > PPM) {
    ctx.addIssue({ code: 'custom', message: `the probabilities sum to ${formatPpm(sum)}, more than 1` });
    return z.NEVER;
  }
  return plan;
});

const byPayee = z.string().transform((value, ctx) => {
  const items = entries(value, ctx);
  if (!items) return z.NEVER;
  const plan: Record<string, FaultKind> = {};
  for (const [payeeId, kind] of items) {
    if (!isFaultKind(kind)) {
      ctx.addIssue({ code: 'custom', message: `payee ${payeeId}: unknown fault "${kind}"; known: ${kindsList}` });
      return z.NEVER;
    }
    plan[payeeId] = kind;
  }
  return plan;
});

const envSchema = z.object({
  MOCK_PROVIDER_FAULTS: probabilities.optional(),
  MOCK_PROVIDER_FAULTS_BY_PAYEE: byPayee.optional(),
  MOCK_PROVIDER_SEED: z
    .string()
    .regex(/^-?\d{1,15}$/, 'must be an integer')
    .transform(Number)
    .default(1),
  MOCK_PROVIDER_RETRY_AFTER_MS: z
    .string()
    .regex(/^\d{1,9}$/, 'must be an integer number of milliseconds >= 0')
    .transform(Number)
    .optional(),
});

const variables = Object.keys(envSchema.shape);

/**
 * The fault plan the environment asks for, or undefined when it asks for none (neither
 * MOCK_PROVIDER_FAULTS nor MOCK_PROVIDER_FAULTS_BY_PAYEE set). Throws MockFaultPlanError naming
 * every bad variable.
 */
export function mockFaultsFromEnv(env: Record<string, string | undefined>): MockFaultPlan | undefined {
  // Empty means unset, as in @payouts/config.
  const source = Object.fromEntries(
    variables.flatMap((name) => {
      const value = env[name]?.trim();
      return value ? [[name, value]] : [];
    }),
  );
  const result = envSchema.safeParse(source);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new MockFaultPlanError(`Invalid mock provider faults:\n${lines.join('\n')}`);
  }
  const parsed = result.data;
  if (!parsed.MOCK_PROVIDER_FAULTS && !parsed.MOCK_PROVIDER_FAULTS_BY_PAYEE) return undefined;
  return {
    seed: parsed.MOCK_PROVIDER_SEED,
    ...parsed.MOCK_PROVIDER_FAULTS,
    ...(parsed.MOCK_PROVIDER_FAULTS_BY_PAYEE && { byPayee: parsed.MOCK_PROVIDER_FAULTS_BY_PAYEE }),
    ...(parsed.MOCK_PROVIDER_RETRY_AFTER_MS !== undefined && {
      rateLimitRetryAfterMs: parsed.MOCK_PROVIDER_RETRY_AFTER_MS,
    }),
  };
}
