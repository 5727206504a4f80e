import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const positiveInt = z.coerce.number().int().positive();

/** An origin as a browser sends it: scheme, host and port only (`https://ops.example.com`). */
const origin = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
  } catch {
    return false;
  }
}, 'an origin such as https://ops.example.com (scheme, host, optional port; no path or trailing slash)');

/** A comma-separated list, blanks dropped. */
const originList = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== ''),
  )
  .pipe(z.array(origin));

/**
 * A 5-field cron pattern (minute hour day-of-month month day-of-week) that the parser BullMQ schedules with
 * reads and that fires at least once (`0 0 31 2 *` never does, and BullMQ would fail to schedule it).
 */
function isFiringCron(cron: string): boolean {
  if (cron.trim().split(/\s+/).length !== 5) return false;
  try {
    CronExpressionParser.parse(cron, { tz: 'UTC' }).next();
    return true;
  } catch {
    return false;
  }
}

/** An IANA time zone name, as Intl (and so BullMQ's cron parser) knows it. */
const timeZone = z.string().refine((value) => {
  try {
    new Intl.DateTimeFormat(undefined, { timeZone: value });
    return true;
  } catch {
    return false;
  }
}, 'an IANA time zone such as UTC or Europe/Berlin');

/**
 * A cron pattern, or `off` for none (null). Not an empty string: parseEnv reads empty as unset, so
 * `VAR=` keeps the default.
 */
const cronOrOff = z
  .string()
  .refine(
    (value) => value === 'off' || isFiringCron(value),
    'a 5-field cron pattern that fires (minute hour day-of-month month day-of-week), or off',
  )
  .transform((value) => (value === 'off' ? null : value));

/**
 * The port of a loopback /metrics endpoint: 1-65535, `0` for any free port (the process logs the one it
 * got), or `off` for no endpoint (null). Digits only: `1e3` or ` 80` is a mistake, not a port.
 */
const metricsPort = z
  .string()
  .refine(
    (value) => value === 'off' || (/^\d{1,5}$/.test(value) && Number(value) <= 65535),
    'a port 1-65535, 0 for any free port, or off for no /metrics endpoint',
  )
  .transform((value) => (value === 'off' ? null : Number(value)));

/** Every environment variable the system reads, with a working local default. */
const envObject = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: z.url().default('postgresql://postgres@127.0.0.1:5432/payouts'),
  // connections of this process's Postgres pool; unset: 10 for the API, WORKER_CONCURRENCY + 5 for a worker
  DATABASE_POOL_SIZE: positiveInt.max(1000).optional(),
  REDIS_URL: z.url().default('redis://127.0.0.1:6379'),
  // `{payouts}` is a Redis Cluster hash tag: every key of every queue in one slot, as BullMQ's scripts and
  // flows (parent and children in different queues) need on a cluster
  QUEUE_PREFIX: z
    .string()
    .regex(
      /^(?:[A-Za-z0-9_-]+|\{[A-Za-z0-9_-]+\})$/,
      'letters, digits, _ and - only, or such a name in braces ({payouts}, a Redis Cluster hash tag)',
    )
    .default('payouts'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  // Prometheus /metrics, on a port of its own without an API key (so loopback by default): the API's and a
  // worker's. A worker whose port is taken (a second worker on the machine) logs a warning and runs without it.
  METRICS_HOST: z
    .string()
    .regex(/^[A-Za-z0-9._:-]+$/, 'a host name or IP address to listen on, such as 127.0.0.1 or ::1')
    .default('127.0.0.1'),
  METRICS_PORT: metricsPort.default(9464),
  WORKER_METRICS_PORT: metricsPort.default(9465),
  PAYOUT_PROVIDER: z.enum(['MOCK', 'RISE']).default('MOCK'),
  MIN_PAYOUT_USD: z
    .string()
    .regex(/^\d+(\.\d{1,2})?$/, 'a decimal amount such as 50.00')
    .default('50.00'),
  MAX_BATCH_SIZE: positiveInt.default(500),
  WORKER_CONCURRENCY: positiveInt.default(20),
  MOCK_PROVIDER_LATENCY_MS: z.coerce.number().int().min(0).default(0),
  MOCK_PROVIDER_SEED: z.coerce.number().int().default(1),
  // Retries of one payment: attempts in all, then capped exponential backoff with jitter
  PAY_ATTEMPTS: positiveInt.default(5),
  PAY_BACKOFF_MS: positiveInt.default(1000),
  PAY_BACKOFF_MULTIPLIER: z.coerce.number().min(1).max(10).default(2),
  PAY_BACKOFF_MAX_MS: positiveInt.default(60_000),
  PAY_BACKOFF_JITTER: z.coerce.number().min(0).max(1).default(0.2),
  // a PROCESSING claim older than this is presumed dead and may be taken over; keep it above the provider timeout
  PAY_CLAIM_LEASE_MS: positiveInt.default(120_000),
  SHUTDOWN_TIMEOUT_MS: positiveInt.default(30_000),
  // BullMQ's job lock: a worker that dies holding a job is noticed after this, and the job runs again
  WORKER_LOCK_DURATION_MS: positiveInt.default(30_000),
  // Provider calls per second across all workers (BullMQ's global limiter); 0 for no limit
  PROVIDER_RATE_LIMIT_PER_SECOND: z.coerce.number().int().min(0).default(0),
  // How long paying pauses (every worker) when the provider refuses every payment (balance, wallet,
  // team settings); then the next payments probe whether the cause is fixed
  PROVIDER_PAUSE_MS: positiveInt.default(30_000),
  RECONCILE_EVERY_MS: positiveInt.default(60_000),
  NIGHTLY_PAYOUT_ENABLED: bool.default(true),
  NIGHTLY_PAYOUT_CRON: z.string().min(9).default('0 2 * * *'),
  NIGHTLY_PAYOUT_TZ: z.string().min(1).default('UTC'),
  NIGHTLY_PAYOUT_AUTO_EXECUTE: bool.default(false),
  // Refresh every payout account's KYC from the provider on this schedule (besides POST riseworks/sync); off: never
  ACCOUNT_SYNC_CRON: cronOrOff.default('0 3 * * *'),
  ACCOUNT_SYNC_TZ: timeZone.default('UTC'),
  BULL_BOARD_ENABLED: bool.default(true),
  // requests per minute per API key (per address without one), counted in Redis across API processes
  RATE_LIMIT_PER_MINUTE: positiveInt.default(600),
  // browser origins allowed to call the API cross-origin (CORS), comma-separated exact origins; none when empty
  CORS_ORIGINS: originList.default([]),
  // failed authentications per minute per address before it gets 429 without a key look-up
  AUTH_FAILURES_PER_MINUTE: positiveInt.default(30),
  // Load shedding: the API answers 503 UNAVAILABLE (Retry-After) while the mean event-loop delay over the last
  // second, the share of that second the loop was busy, or the V8 heap in use, is above these; 0 turns a check off
  MAX_EVENT_LOOP_DELAY_MS: z.coerce.number().int().min(0).default(100),
  MAX_EVENT_LOOP_UTILIZATION: z.coerce.number().min(0).max(1).default(0.98),
  MAX_HEAP_USED_MB: z.coerce.number().int().min(0).default(0),
  // and while this many requests are already in flight (those with ?wait= not counted); 0 turns it off
  MAX_REQUESTS_IN_FLIGHT: z.coerce.number().int().min(0).default(100),
  // RiseWorks (Rise v2); required when PAYOUT_PROVIDER=RISE, ignored otherwise
  RISE_API_URL: z.url({ protocol: /^https?$/ }).optional(),
  RISE_TEAM_NANOID: z
    .string()
    .regex(/^te-[A-Za-z0-9_-]{12}$/, 'a team nanoid: te- and 12 characters')
    .optional(),
  RISE_RISE_ID: z.string().min(1).optional(),
  // Never echoed: a wrong value is reported without the value itself.
  RISE_WALLET_PRIVATE_KEY: z
    .string()
    .regex(/^0x[0-9a-fA-F]{64}$/, 'must be 0x and 64 hex digits (value not shown)')
    .optional(),
  RISE_WEBHOOK_SECRET: z.string().min(1).optional(),
  RISE_TIMEOUT_MS: positiveInt.default(15_000),
  // a webhook whose signature timestamp is further than this from now (either way) is refused
  RISE_WEBHOOK_TOLERANCE_S: positiveInt.max(3600).default(600),
  // webhook requests per minute per sending address (the webhook route carries no API key)
  WEBHOOK_RATE_LIMIT_PER_MINUTE: positiveInt.default(6000),
  // a COMPLETED payment no webhook confirmed within this is looked up at the provider by the reconciler
  PROVIDER_CONFIRM_AFTER_MS: positiveInt.default(15 * 60_000),
});

/** What PAYOUT_PROVIDER=RISE cannot run without. */
export const riseRequiredVariables = [
  'RISE_API_URL',
  'RISE_TEAM_NANOID',
  'RISE_RISE_ID',
  'RISE_WALLET_PRIVATE_KEY',
  'RISE_WEBHOOK_SECRET',
] as const;

export const envSchema = envObject.superRefine(
  (env, ctx) => {
    // `when` runs this even if other variables are wrong, so one message names every problem; so `env`
    // may be partly unparsed here, and only presence is checked.
    const raw = env as Record<string, unknown>;
    if (raw.PAYOUT_PROVIDER !== 'RISE') return;
    for (const name of riseRequiredVariables) {
      if (raw[name] === undefined) {
        ctx.addIssue({ code: 'custom', path: [name], message: 'required when PAYOUT_PROVIDER=RISE' });
      }
    }
  },
  { when: (payload) => typeof payload.value === 'object' && payload.value !== null },
);

export type Env = z.infer<typeof envSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses an environment; throws ConfigError naming every bad variable. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  // Empty strings mean "not set", as in most shells' `VAR= cmd`.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const result = envSchema.safeParse(cleaned);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
  throw new ConfigError(`Invalid environment:\n${lines.join('\n')}`);
}

/** Parses process.env once at start; a wrong value stops the process with a message naming the variable. */
export function loadEnv(source: Record<string, string | undefined> = process.env): Env {
  try {
    return parseEnv(source);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}
