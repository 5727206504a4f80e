import { type ParseArgsConfig, parseArgs } from 'node:util';

export const USAGE = `Usage: payouts <command> [options]

Commands:
  dev [--provider mock|rise]  migrate (creating the database if missing), seed if empty, create a
                              "dev-admin" API key, then run the API and the worker until Ctrl-C;
                              they pay through the mock provider (default), or with --provider rise
                              through the Rise v2 sandbox, which dev also runs (RISE_SANDBOX_PORT,
                              default 4100) with the payees registered as its members
  migrate                     apply the database migrations
  seed [--affiliates N] [--commissions-per-affiliate M] [--seed S] [--reset]
                              write deterministic demo data (defaults: 24 affiliates, 4 commissions
                              each, seed 42); --reset first deletes all business data (not API keys)
  dead-letters list           payments that failed for good
  dead-letters replay <transactionId>
                              pay it again (once), with a new idempotency key
  dead-letters discard <transactionId>
                              give it up; its commission is free for a later batch
  provider-events list [--status S] [--type T] [--limit N]
                              stored provider webhooks, newest first (default 50, max 200);
                              S is RECEIVED, WAITING, APPLIED, IGNORED, CONFLICT or FAILED
  provider-events replay <eventId> --actor NAME
                              apply a FAILED, CONFLICT, IGNORED or WAITING event again;
                              the audit row names cli:NAME
  reversals list [--limit N]  payments the provider removed, newest first, with their commission
                              now and the transaction paying it again
  keys create --role admin|operator|scheduler --name NAME
                              create an API key; the key alone is printed on the last line
  keys list                   list API keys (never the keys themselves)
  keys revoke <id>            revoke an API key
  help                        show this message

Configuration comes from the environment (DATABASE_URL, REDIS_URL, HOST, PORT, ...).
`;

/** A wrong command line: main prints the message and the usage on stderr and exits with 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util parseArgs, strict, with its errors turned into UsageErrors. */
export function parseCommandArgs<T extends Options>(args: string[], options: T, positionals = 0) {
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>>;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (parsed.positionals.length > positionals) {
    throw new UsageError(`unexpected argument '${parsed.positionals[positionals]}'`);
  }
  return parsed;
}

export function parseIntegerFlag(name: string, value: string | undefined, fallback: number, min: number, max: number) {
  if (value === undefined) return fallback;
  const number = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(number) || number < min || number > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got '${value}'`);
  }
  return number;
}
