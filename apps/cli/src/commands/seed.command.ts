import { loadEnv } from '@payouts/config';
import type { Db } from '@payouts/db';
import { withDb } from '../db.ts';
import { centsToDecimal } from '../seed/money.ts';
import {
  DEFAULT_SEED_OPTIONS,
  generateSeedChunks,
  type SeedOptions,
  seedOptions,
} from '../seed/seed-data.generator.ts';
import { writeSeedData } from '../seed/seed-data.writer.ts';
import { countedInto, emptySeedSummary, type SeedSummary } from '../seed/seed-summary.ts';
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

/**
 * Generates and writes demo data, a chunk at a time (memory stays small at any size); returns what it
 * wrote. Throws SeedRefusedError when affiliates exist and `reset` is false.
 */
export async function seedDatabase(
  db: Db,
  options: SeedCommandOptions & { minimumPayout: string },
): Promise<SeedSummary> {
  const summary = emptySeedSummary(seedOptions(options));
  await writeSeedData(db, countedInto(summary, generateSeedChunks(options)), { reset: options.reset });
  return summary;
}

export function describeSeed(summary: SeedSummary, elapsedMs: number): string {
  const { commissions: byStatus, batches } = summary;
  const commissions = byStatus.PENDING + byStatus.APPROVED + byStatus.PAID + byStatus.CANCELLED;
  return (
    `Seeded ${summary.affiliates} affiliates (seed ${summary.options.seed}), ` +
    `${commissions} commissions (${byStatus.PENDING} pending, ${byStatus.APPROVED} approved, ` +
    `${byStatus.PAID} paid, ${byStatus.CANCELLED} cancelled), ${summary.payoutAccounts} payout accounts, ` +
    `${summary.payments} past payments in ${batches} ${batches === 1 ? 'batch' : 'batches'}; ` +
    `payable: ${summary.payableAffiliates} affiliates, ${centsToDecimal(summary.payableCents)} USD ` +
    `(minimum ${summary.options.minimumPayout}) in ${(elapsedMs / 1000).toFixed(1)} s`
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
