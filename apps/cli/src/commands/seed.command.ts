import { loadEnv } from '@payouts/config';
import type { Db } from '@payouts/db';
import { withDb } from '../db.ts';
import {
  DEFAULT_SEED_OPTIONS,
  generateSeedData,
  type SeedData,
  type SeedOptions,
} from '../seed/seed-data.generator.ts';
import { writeSeedData } from '../seed/seed-data.writer.ts';
import { parseCommandArgs, parseIntegerFlag } from '../usage.ts';

export interface SeedCommandOptions extends Required<Omit<SeedOptions, 'minimumPayout'>> {
  reset: boolean;
}

export function parseSeedArgs(args: string[]): SeedCommandOptions {
  const { values } = parseCommandArgs(args, {
    affiliates: { type: 'string' },
    'commissions-per-affiliate': { type: 'string' },
    seed: { type: 'string' },
    reset: { type: 'boolean', default: false },
  });
  return {
    affiliates: parseIntegerFlag('affiliates', values.affiliates, DEFAULT_SEED_OPTIONS.affiliates, 1, 1_000_000),
    commissionsPerAffiliate: parseIntegerFlag(
      'commissions-per-affiliate',
      values['commissions-per-affiliate'],
      DEFAULT_SEED_OPTIONS.commissionsPerAffiliate,
      1,
      1_000,
    ),
    seed: parseIntegerFlag('seed', values.seed, DEFAULT_SEED_OPTIONS.seed, 0, 0xffffffff),
    reset: values.reset === true,
  };
}

/** Generates and writes demo data; throws SeedRefusedError when affiliates exist and `reset` is false. */
export async function seedDatabase(db: Db, options: SeedCommandOptions & { minimumPayout: string }): Promise<SeedData> {
  const data = generateSeedData(options);
  await writeSeedData(db, data, { reset: options.reset });
  return data;
}

export function describeSeed(data: SeedData, elapsedMs: number): string {
  const byStatus = { PENDING: 0, APPROVED: 0, PAID: 0, CANCELLED: 0 };
  for (const c of data.commissions) byStatus[c.status]++;
  return (
    `Seeded ${data.affiliateProfiles.length} affiliates (seed ${data.options.seed}), ` +
    `${data.commissions.length} commissions (${byStatus.PENDING} pending, ${byStatus.APPROVED} approved, ` +
    `${byStatus.PAID} paid, ${byStatus.CANCELLED} cancelled), ${data.riseAccounts.length} payout accounts, ` +
    `${data.transactions.length} past payments in ${data.paymentBatches.length} ` +
    `${data.paymentBatches.length === 1 ? 'batch' : 'batches'}; ` +
    `payable: ${data.payableAffiliates} affiliates, ${data.payableTotal} USD ` +
    `(minimum ${data.options.minimumPayout}) in ${(elapsedMs / 1000).toFixed(1)} s`
  );
}

export async function runSeedCommand(args: string[]): Promise<number> {
  const options = parseSeedArgs(args);
  const env = loadEnv();
  const started = performance.now();
  const data = await withDb(env.DATABASE_URL, (db) =>
    seedDatabase(db, { ...options, minimumPayout: env.MIN_PAYOUT_USD }),
  );
  process.stdout.write(`${describeSeed(data, performance.now() - started)}\n`);
  return 0;
}
