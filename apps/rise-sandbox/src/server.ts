import pg from 'pg';
import { z } from 'zod';
import { buildSandbox } from './app.ts';
import type { MemberSeed } from './config.ts';

// Dev defaults [ours]. The wallet is the first well-known local-development account (its private key
// 0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80 is public): never a real wallet.
const devMembers: MemberSeed[] = [
  { nanoid: 'us-sandboxuser1', email: 'ada@example.test', first_name: 'Ada', last_name: 'Lovelace' },
  { nanoid: 'us-sandboxuser2', email: 'alan@example.test', first_name: 'Alan', last_name: 'Turing' },
  {
    nanoid: 'us-sandboxuser3',
    email: 'grace@example.test',
    first_name: 'Grace',
    last_name: 'Hopper',
    onboarding_status: 'pending',
  },
];

const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const env = z
  .object({
    DATABASE_URL: z.string().min(1),
    RISE_SANDBOX_PORT: z.coerce.number().int().min(0).max(65535).default(4100),
    RISE_SANDBOX_HOST: z.string().default('127.0.0.1'),
    RISE_SANDBOX_TEAM_NANOID: z.string().default('te-sandboxteam1'),
    RISE_SANDBOX_RISE_ID: z.string().default('0x5a4db0c0ba5e5a4db0c0ba5e5a4db0c0ba5e0001'),
    RISE_SANDBOX_WALLET_ADDRESS: z.string().default('0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266'),
    RISE_SANDBOX_BALANCE_CENTS: z.coerce.number().int().nonnegative().default(100_000_000),
    /** JSON array of members ({nanoid, email, first_name?, last_name?, riseid?, onboarding_status?, can_receive_payments?}). */
    RISE_SANDBOX_MEMBERS: z.string().optional(),
    RISE_SANDBOX_CONTROLS: flag.optional(),
    RISE_SANDBOX_JWT_TTL_MS: z.coerce.number().int().positive().optional(),
    RISE_SANDBOX_TYPED_DATA_TTL_SECONDS: z.coerce.number().int().positive().optional(),
    RISE_SANDBOX_JWT_SECRET: z.string().min(16).optional(),
    RISE_SANDBOX_LOG: flag.optional(),
    /** Where signed webhooks go; none = no webhooks. */
    RISE_SANDBOX_WEBHOOK_URL: z.url().optional(),
    RISE_SANDBOX_WEBHOOK_SECRET: z.string().min(1).optional(),
    /** Multiplies the retry delays (+1, +2, +5 min); e.g. 0.001 in tests. */
    RISE_SANDBOX_WEBHOOK_DELAY_SCALE: z.coerce.number().nonnegative().default(1),
    /** The delivery settings at start and after a reset (POST /sandbox/webhooks/settings changes them). */
    RISE_SANDBOX_WEBHOOKS_ENABLED: flag.optional(),
    RISE_SANDBOX_WEBHOOK_DUPLICATES: flag.optional(),
    RISE_SANDBOX_WEBHOOK_LOSE_FIRST_ANSWER: flag.optional(),
  })
  .refine((e) => !e.RISE_SANDBOX_WEBHOOK_URL || e.RISE_SANDBOX_WEBHOOK_SECRET, {
    message: 'RISE_SANDBOX_WEBHOOK_URL needs RISE_SANDBOX_WEBHOOK_SECRET',
  })
  .parse(process.env);

const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 5 });
const app = await buildSandbox(
  { pool },
  {
    team: {
      nanoid: env.RISE_SANDBOX_TEAM_NANOID,
      riseId: env.RISE_SANDBOX_RISE_ID,
      walletAddress: env.RISE_SANDBOX_WALLET_ADDRESS,
      initialBalanceCents: env.RISE_SANDBOX_BALANCE_CENTS,
      members: env.RISE_SANDBOX_MEMBERS ? (JSON.parse(env.RISE_SANDBOX_MEMBERS) as MemberSeed[]) : devMembers,
    },
    controls: env.RISE_SANDBOX_CONTROLS ?? process.env.NODE_ENV !== 'production',
    jwtTtlMs: env.RISE_SANDBOX_JWT_TTL_MS,
    typedDataTtlSeconds: env.RISE_SANDBOX_TYPED_DATA_TTL_SECONDS,
    jwtSecret: env.RISE_SANDBOX_JWT_SECRET,
    logger: env.RISE_SANDBOX_LOG ?? false,
    webhookUrl: env.RISE_SANDBOX_WEBHOOK_URL,
    webhookSecret: env.RISE_SANDBOX_WEBHOOK_SECRET,
    webhookDelayScale: env.RISE_SANDBOX_WEBHOOK_DELAY_SCALE,
    webhookSettings: {
      enabled: env.RISE_SANDBOX_WEBHOOKS_ENABLED,
      duplicates: env.RISE_SANDBOX_WEBHOOK_DUPLICATES,
      loseFirstAnswer: env.RISE_SANDBOX_WEBHOOK_LOSE_FIRST_ANSWER,
    },
  },
);

let stopping = false;
async function shutdown() {
  if (stopping) return;
  stopping = true;
  setTimeout(() => process.exit(1), 10_000).unref();
  await app.close();
  await pool.end();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());

const address = await app.listen({ host: env.RISE_SANDBOX_HOST, port: env.RISE_SANDBOX_PORT });
// spawnRiseSandbox (testing package) waits for this exact line.
console.log(`rise-sandbox listening on ${address}`);
