import { spawnRiseSandbox } from '@payouts/testing';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import type { BenchEnv } from './bench-env.ts';

/** A Rise sandbox for the benchmark: its own team and wallet, every bench payee a member, money enough. */
export interface BenchSandbox {
  /** The worker's environment for PAYOUT_PROVIDER=RISE against this sandbox. */
  engineEnv: Record<string, string>;
  /** Live payments in the sandbox's ledger, and their total in cents. */
  ledger(): Promise<{ payments: number; cents: bigint }>;
  stop(): Promise<void>;
}

const team = 'te-benchmark001';
const riseId = '0x00000000000000000000000000000000000b0001';

export async function startBenchSandbox(env: BenchEnv): Promise<BenchSandbox> {
  const key = generatePrivateKey();
  const sandbox = await spawnRiseSandbox({
    DATABASE_URL: env.databaseUrl,
    RISE_SANDBOX_TEAM_NANOID: team,
    RISE_SANDBOX_RISE_ID: riseId,
    RISE_SANDBOX_WALLET_ADDRESS: privateKeyToAccount(key).address,
    RISE_SANDBOX_BALANCE_CENTS: String(10n ** 12n),
  });
  const control = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${sandbox.url}/sandbox${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`sandbox ${method} ${path}: ${response.status} ${await response.text()}`);
    return ((await response.json()) as { data: unknown }).data;
  };

  // Rise user nanoids for the bench's payees (`us-` and 12 characters), known to the sandbox as members.
  await env.db.$executeRaw`
    UPDATE "AffiliateRiseAccount" SET "riseId" = 'us-' || lpad(substr("id", 6), 12, '0') WHERE "riseId" NOT LIKE 'us-%'`;
  const accounts = await env.db.affiliateRiseAccount.findMany({ select: { riseId: true, email: true } });
  for (let i = 0; i < accounts.length; i += 1000) {
    const members = accounts.slice(i, i + 1000).map((a) => ({ nanoid: a.riseId, email: a.email }));
    await control('POST', '/members', { team, members });
  }

  return {
    engineEnv: {
      PAYOUT_PROVIDER: 'RISE',
      RISE_API_URL: sandbox.url,
      RISE_TEAM_NANOID: team,
      RISE_RISE_ID: riseId,
      RISE_WALLET_PRIVATE_KEY: key,
      RISE_WEBHOOK_SECRET: 'bench',
    },
    async ledger() {
      const data = (await control('GET', '/ledger')) as { totals: { live_amount_cents: number; count: number } };
      return { payments: data.totals.count, cents: BigInt(data.totals.live_amount_cents) };
    },
    async stop() {
      await sandbox.stop();
    },
  };
}
