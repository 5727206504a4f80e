import { randomBytes } from 'node:crypto';
import type { Db } from '@payouts/db';
import { QueueName, type Queues } from '@payouts/queue';
import {
  findInvariantViolations,
  insertAffiliate,
  type RiseSandboxProcess,
  type SandboxLedger,
  type SandboxPayment,
  spawnRiseSandbox,
  type TestContext,
} from '@payouts/testing';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { expect } from 'vitest';

// The Rise sandbox as a fault test uses it, and the one check every such test ends with: the sandbox's
// ledger and Postgres agree payment by payment and to the cent.

const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A fresh Rise nanoid: the prefix and 12 characters. */
export function riseNanoid(prefix: 'te' | 'us'): string {
  let id = '';
  for (const byte of randomBytes(12)) id += alphabet[byte % alphabet.length];
  return `${prefix}-${id}`;
}

/** What a fault script entry looks like (the sandbox's `/sandbox/faults` body). */
export interface SandboxFault {
  operation: 'prepare' | 'execute' | 'lookup' | 'auth' | 'any';
  kind: 'status500' | 'status429' | 'timeoutAfterPay' | 'delay';
  count?: number;
  retryAfterSeconds?: number;
  delayMs?: number;
}

export interface RiseSandbox {
  server: RiseSandboxProcess;
  team: string;
  /** The RISE_* variables (and PAYOUT_PROVIDER) of an engine paying from this sandbox's team. */
  engineEnv: Record<string, string>;
  /** Calls a `/sandbox/...` test control and returns the envelope's data; any answer but 200 fails the test. */
  control<T = unknown>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T>;
  ledger(): Promise<SandboxLedger>;
  addFaults(...faults: SandboxFault[]): Promise<void>;
  /** Faults scripted but not consumed yet. */
  pendingFaults(): Promise<SandboxFault[]>;
  /** Empty ledger, no faults, no members, the configured balance. */
  reset(): Promise<void>;
}

/** The secret the sandbox signs its webhooks with, and RISE_WEBHOOK_SECRET of the engine's env. */
const webhookSecret = 'rise-fault-test-secret';

/** Starts a sandbox with a team and wallet of its own (on the test file's database) and its engine settings. */
export async function startRiseSandbox(
  ctx: TestContext,
  options: {
    balanceCents?: bigint;
    timeoutMs?: number;
    /** Where it sends its webhooks, signed with engineEnv's RISE_WEBHOOK_SECRET; none = no webhooks. */
    webhookUrl?: string;
    /** More RISE_SANDBOX_* variables (port, webhook delay scale and settings...). */
    env?: Record<string, string>;
  } = {},
): Promise<RiseSandbox> {
  const team = riseNanoid('te');
  const riseId = `0x${randomBytes(20).toString('hex')}`;
  const key = generatePrivateKey();
  const server = await spawnRiseSandbox({
    DATABASE_URL: ctx.databaseUrl,
    RISE_SANDBOX_TEAM_NANOID: team,
    RISE_SANDBOX_RISE_ID: riseId,
    RISE_SANDBOX_WALLET_ADDRESS: privateKeyToAccount(key).address,
    RISE_SANDBOX_BALANCE_CENTS: String(options.balanceCents ?? 100_000_000n),
    RISE_SANDBOX_MEMBERS: '[]',
    ...(options.webhookUrl
      ? { RISE_SANDBOX_WEBHOOK_URL: options.webhookUrl, RISE_SANDBOX_WEBHOOK_SECRET: webhookSecret }
      : {}),
    ...options.env,
  });

  async function control<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${server.url}/sandbox${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    expect(response.status, `${method} /sandbox${path}: ${text}`).toBe(200);
    return (JSON.parse(text) as { data: T }).data;
  }

  return {
    server,
    team,
    engineEnv: {
      PAYOUT_PROVIDER: 'RISE',
      RISE_API_URL: server.url,
      RISE_TEAM_NANOID: team,
      RISE_RISE_ID: riseId,
      RISE_WALLET_PRIVATE_KEY: key,
      RISE_WEBHOOK_SECRET: webhookSecret,
      RISE_TIMEOUT_MS: String(options.timeoutMs ?? 5000),
    },
    control,
    ledger: () => control<SandboxLedger>('GET', '/ledger'),
    async addFaults(...faults) {
      for (const fault of faults) await control('POST', '/faults', fault);
    },
    async pendingFaults() {
      return (await control<{ faults: SandboxFault[] }>('GET', '/faults')).faults;
    },
    async reset() {
      await control('POST', '/reset');
    },
  };
}

/**
 * Inserts `count` payable affiliates whose payout accounts are fresh Rise members (approved, able to
 * receive payments) of the sandbox's team.
 */
export async function insertRisePayees(
  db: Db,
  sandbox: RiseSandbox,
  count: number,
  commissions: string[],
): Promise<string[]> {
  const members = [];
  for (let i = 0; i < count; i++) {
    const affiliate = await insertAffiliate(db, { commissions });
    const nanoid = riseNanoid('us');
    await db.affiliateRiseAccount.updateMany({
      where: { affiliateProfileId: affiliate.affiliateId },
      data: { riseId: nanoid },
    });
    members.push({ nanoid, email: `${nanoid}@example.test`, onboarding_status: 'approved' });
  }
  await sandbox.control('POST', '/members', { team: sandbox.team, members });
  return members.map((m) => m.nanoid);
}

/** A decimal amount with two places ("1234.50") as integer cents, without going through a float. */
export function centsOf(amount: string): bigint {
  const match = /^(\d+)\.(\d{2})$/.exec(amount);
  if (!match) throw new Error(`not an amount with two decimals: ${amount}`);
  return BigInt(match[1] ?? '0') * 100n + BigInt(match[2] ?? '0');
}

/** Integer cents as the decimal string Postgres compares with ("1234.50"). */
export function decimalOfCents(cents: bigint): string {
  const sign = cents < 0n ? '-' : '';
  const abs = cents < 0n ? -cents : cents;
  return `${sign}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
}

/** A JSON number of cents from the sandbox, refused unless it is an exact integer. */
function exactCents(value: number): bigint {
  if (!Number.isSafeInteger(value)) throw new Error(`sandbox amount is not an integer number of cents: ${value}`);
  return BigInt(value);
}

/** The idempotency key the engine wrote at the end of a Rise invoice description: `... [key]`. */
export function keyOfDescription(description: string): string | undefined {
  return /\[([^\]]+)\]\s*$/.exec(description)?.[1];
}

/**
 * The sandbox's ledger and Postgres agree: one live Rise payment per idempotency key, exactly the
 * COMPLETED transactions' keys and provider ids, each to its payee for its amount, equal totals in integer
 * cents; and DESIGN.md's invariants hold with that ledger total. Returns the ledger total in cents.
 */
export async function expectLedgerMatchesCompleted(db: Db, sandbox: RiseSandbox): Promise<bigint> {
  const ledger = await sandbox.ledger();
  const live = ledger.payments.filter((p) => p.state.toLowerCase() !== 'removed');
  const completed = await db.disbursementTransaction.findMany({
    where: { status: 'COMPLETED' },
    select: { id: true, idempotencyKey: true, providerTxId: true, payeeRiseId: true, amount: true },
  });

  const byKey = new Map<string, SandboxPayment[]>();
  for (const payment of live) {
    const key = keyOfDescription(payment.invoice_description);
    expect(key, `Rise payment ${payment.nanoid} carries no idempotency key`).toBeDefined();
    byKey.set(key ?? '', [...(byKey.get(key ?? '') ?? []), payment]);
  }
  const duplicated = [...byKey].filter(([, payments]) => payments.length > 1).map(([key]) => key);
  expect(duplicated, 'idempotency keys paid more than once at Rise').toEqual([]);
  expect([...byKey.keys()].sort()).toEqual(completed.map((t) => t.idempotencyKey).sort());
  expect(live.map((p) => p.nanoid).sort()).toEqual(completed.map((t) => t.providerTxId).sort());
  for (const t of completed) {
    const [payment] = byKey.get(t.idempotencyKey) ?? [];
    expect(payment, t.id).toMatchObject({ nanoid: t.providerTxId, recipient: t.payeeRiseId });
    expect(exactCents(payment?.amount_cents ?? Number.NaN), t.id).toBe(centsOf(t.amount.toFixed(2)));
  }

  const ledgerCents = live.reduce((sum, p) => sum + exactCents(p.amount_cents), 0n);
  const completedCents = completed.reduce((sum, t) => sum + centsOf(t.amount.toFixed(2)), 0n);
  expect(exactCents(ledger.totals.live_amount_cents)).toBe(ledgerCents);
  expect(ledgerCents).toBe(completedCents);
  expect(await findInvariantViolations(db, { providerLedgerTotal: decimalOfCents(ledgerCents) })).toEqual([]);
  return ledgerCents;
}

/** Dead letters (any state) of the given transactions, by transaction id. */
export async function deadLettersOf(queues: Queues): Promise<string[]> {
  const jobs = await queues[QueueName.deadLetter].getJobs(['waiting', 'delayed', 'active', 'completed', 'failed']);
  return jobs.map((job) => (job.data as { transactionId: string }).transactionId);
}

/**
 * The batch has settled as expected: every transaction COMPLETED, except `failed` of them FAILED with
 * exactly one dead letter each (and no dead letter for any other); the batch status agrees.
 */
export async function expectBatchSettled(
  deps: { db: Db; queues: Queues },
  batchId: string,
  expected: { failed?: number } = {},
): Promise<void> {
  const failedCount = expected.failed ?? 0;
  const batch = await deps.db.paymentBatch.findUniqueOrThrow({ where: { id: batchId } });
  expect(batch.status).toBe(failedCount > 0 ? 'FAILED' : 'COMPLETED');
  const transactions = await deps.db.disbursementTransaction.findMany({
    where: { batchId },
    select: { id: true, status: true, errorMessage: true },
  });
  const notCompleted = transactions.filter((t) => t.status !== 'COMPLETED');
  expect(
    notCompleted.filter((t) => t.status !== 'FAILED'),
    'neither COMPLETED nor FAILED',
  ).toEqual([]);
  expect(notCompleted.length, JSON.stringify(notCompleted)).toBe(failedCount);
  const ids = new Set(transactions.map((t) => t.id));
  const letters = (await deadLettersOf(deps.queues)).filter((id) => ids.has(id)).sort();
  expect(letters).toEqual(notCompleted.map((t) => t.id).sort());
}

/**
 * Waits until the sandbox's ledger holds at least `atLeast` payments and has not changed for `quietMs`
 * (what was in flight has landed); returns its payment count. A bound, not a timing assertion.
 */
export async function waitForQuietLedger(
  sandbox: RiseSandbox,
  options: { quietMs: number; atLeast?: number; seconds?: number },
): Promise<number> {
  const { quietMs, atLeast = 0, seconds = 60 } = options;
  const deadline = Date.now() + seconds * 1000;
  let count = -1;
  let quietSince = Date.now();
  for (;;) {
    const now = (await sandbox.ledger()).payments.length;
    if (now !== count) {
      count = now;
      quietSince = Date.now();
    } else if (count >= atLeast && Date.now() - quietSince >= quietMs) {
      return count;
    }
    if (Date.now() > deadline) throw new Error(`the Rise ledger did not settle in ${seconds} s (${count} payments)`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
