import { randomBytes } from 'node:crypto';
import type { Db } from '@payouts/db';
import { type OutputOptions, type RiseSandboxProcess, type SandboxLedger, spawnRiseSandbox } from '@payouts/testing';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';

// The Rise sandbox of a soak with --provider rise: a team and wallet of its own, every seeded payee a
// member, money enough, and signed webhooks sent to the API (retried within seconds, not minutes).

export interface SoakSandbox {
  process: RiseSandboxProcess;
  /** The RISE_* variables (and PAYOUT_PROVIDER) of the API and the workers. */
  engineEnv: Record<string, string>;
  /** Calls a `/sandbox/...` control; throws unless it answers 200. */
  control<T = unknown>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T>;
  ledger(): Promise<SandboxLedger>;
  /** The team's balance at start, and what provider-balance restores. */
  balanceCents: bigint;
}

const team = 'te-soakteam0001';
const webhookSecret = 'payouts-soak-webhooks';

export async function startSoakSandbox(options: {
  databaseUrl: string;
  apiPort: number;
  output: OutputOptions;
}): Promise<SoakSandbox> {
  const key = generatePrivateKey();
  const riseId = `0x${randomBytes(20).toString('hex')}`;
  const balanceCents = 10n ** 12n;
  const process = await spawnRiseSandbox(
    {
      DATABASE_URL: options.databaseUrl,
      RISE_SANDBOX_TEAM_NANOID: team,
      RISE_SANDBOX_RISE_ID: riseId,
      RISE_SANDBOX_WALLET_ADDRESS: privateKeyToAccount(key).address,
      RISE_SANDBOX_BALANCE_CENTS: String(balanceCents),
      RISE_SANDBOX_MEMBERS: '[]',
      RISE_SANDBOX_WEBHOOK_URL: `http://127.0.0.1:${options.apiPort}/api/webhooks/riseworks`,
      RISE_SANDBOX_WEBHOOK_SECRET: webhookSecret,
      // Retries after 3, 6 and 15 s instead of 1, 2 and 5 minutes: an API restart loses no event.
      RISE_SANDBOX_WEBHOOK_DELAY_SCALE: '0.05',
    },
    options.output,
  );

  async function control<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${process.url}/sandbox${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(120_000),
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`sandbox ${method} /sandbox${path}: ${response.status} ${text}`);
    return (JSON.parse(text) as { data: T }).data;
  }

  return {
    process,
    engineEnv: {
      PAYOUT_PROVIDER: 'RISE',
      RISE_API_URL: process.url,
      RISE_TEAM_NANOID: team,
      RISE_RISE_ID: riseId,
      RISE_WALLET_PRIVATE_KEY: key,
      RISE_WEBHOOK_SECRET: webhookSecret,
      RISE_TIMEOUT_MS: '3000',
    },
    control,
    ledger: () => control<SandboxLedger>('GET', '/ledger'),
    balanceCents,
  };
}

/**
 * Gives the seeded payees Rise user nanoids (`us-` and 12 characters, from their account ids) and
 * makes each an approved member of the sandbox's team, 1,000 at a time.
 */
export async function registerPayees(db: Db, sandbox: SoakSandbox): Promise<number> {
  await db.$executeRaw`
    UPDATE "AffiliateRiseAccount" SET "riseId" = 'us-' || lpad(substr("id", 6), 12, '0') WHERE "riseId" NOT LIKE 'us-%'`;
  const accounts = await db.affiliateRiseAccount.findMany({ select: { riseId: true, email: true } });
  for (let i = 0; i < accounts.length; i += 1000) {
    const members = accounts.slice(i, i + 1000).map((a) => ({ nanoid: a.riseId, email: a.email }));
    await sandbox.control('POST', '/members', { team, members });
  }
  return accounts.length;
}
