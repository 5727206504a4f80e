import { type ParseArgsConfig, parseArgs } from 'node:util';

export const USAGE = `Usage: payouts <command> [options]

Commands:
  dev [--provider mock|rise] [--json-logs]
                              migrate (creating the database if missing), seed if empty, create a
                              "dev-admin" API key, then run the API and the worker until Ctrl-C
                              (which stops them gracefully and exits 0); they pay through the mock
                              provider (default), or with --provider rise through the Rise v2
                              sandbox, which dev also runs (RISE_SANDBOX_PORT, default 4100) with
                              the payees registered as its members; their logs are made readable
                              (pino-pretty), or left as JSON lines with --json-logs
  migrate                     apply the database migrations
  seed [--affiliates N] [--commissions-per-affiliate M] [--seed S] [--reset]
                              write deterministic demo data (defaults: 24 affiliates, 4 commissions
                              each, seed 42); --reset first deletes all business data (not API keys)
  batches list [--status S] [--limit N]
                              batches, newest first (default 50, max 200): id, number, status,
                              payments, total amount, created; S is PENDING, QUEUED, PROCESSING,
                              COMPLETED, FAILED or CANCELLED
  batches show <batchId>      a batch's execution summary: status, payments and amounts per
                              transaction status, times, the failed payments and why
  batches watch <batchId> [--interval-ms N]
                              a progress bar (a plain line each second when the numbers change,
                              when stdout is not a terminal), polling Postgres every N ms (default
                              500), until the batch has settled; then the summary of "show".
                              Exits 0 when the batch COMPLETED, 1 when it ended FAILED or
                              CANCELLED, 130 on Ctrl-C (the batch goes on)
  nightly run --actor NAME [--execute|--no-execute] [--wait S]
                              start a nightly payout run now (batches of everyone payable), as
                              POST /schedules/nightly-payout/run does; --execute also executes
                              them (default: as the schedule says); the audit rows name cli:NAME.
                              Prints the job id; with --wait, waits up to S seconds for the run
                              and prints the ids of the batches it created (exit 1 if it failed
                              or is still running then)
  report payouts --from D --to D [--group-by G] [--csv | --json]
                              payments with a payout date (paid: when paid; else when batched) in
                              [from, to), D a day (its midnight UTC) or an ISO instant; a table by
                              day (G: day, affiliate, provider or status), the JSON report, or
                              CSV on stdout: one row per payment, or per group with --group-by
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

/** Who asked, as audit rows name them: `cli:<name>`. */
const actorPattern = /^[A-Za-z0-9_.@+-]{1,100}$/;

/** The `--actor NAME` a command that changes something requires, as the actor its audit rows name. */
export function parseActorFlag(command: string, value: string | undefined): { actor: string } {
  if (value === undefined) throw new UsageError(`${command} needs --actor <name>: who asks`);
  if (!actorPattern.test(value)) {
    throw new UsageError(`--actor must be 1-100 letters, digits, _, ., @, + or -, got '${value}'`);
  }
  return { actor: `cli:${value}` };
}

export function parseIntegerFlag(name: string, value: string | undefined, fallback: number, min: number, max: number) {
  if (value === undefined) return fallback;
  const number = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(number) || number < min || number > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got '${value}'`);
  }
  return number;
}
