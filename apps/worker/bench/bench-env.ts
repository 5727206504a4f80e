import { randomBytes } from 'node:crypto';
import { type Db, makeDb, migrate } from '@payouts/db';
import { deleteRedisKeys, insertPayableAffiliates } from '@payouts/testing';
import pg from 'pg';

export interface BenchEnv {
  databaseUrl: string;
  redisUrl: string;
  db: Db;
  /** A fresh BullMQ prefix per run, so runs never see each other's jobs. */
  prefix(): string;
  /** Back to N approved, unbatched commissions: no batches, payments or ledger rows. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export async function makeBenchEnv(commissions: number, perAffiliate: number): Promise<BenchEnv> {
  const server = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const name = `payouts_bench_${process.pid}`;
  const url = new URL(server);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  await migrate(databaseUrl);
  const db = makeDb(databaseUrl, { max: 60 });
  await insertPayableAffiliates(db, Math.ceil(commissions / perAffiliate), perAffiliate);
  const prefixes: string[] = [];

  return {
    databaseUrl,
    redisUrl,
    db,
    prefix() {
      const prefix = `bench-${randomBytes(4).toString('hex')}`;
      prefixes.push(prefix);
      return prefix;
    },
    async reset() {
      await db.$executeRaw`TRUNCATE "DisbursementAuditLog", "RiseWorksWebhookEvent", "DisbursementTransaction",
        "PaymentBatch", "MockProviderPayment"`;
      await db.$executeRaw`UPDATE "Commission" SET "status" = 'APPROVED', "paidAt" = NULL WHERE "status" = 'PAID'`;
      await db.$executeRaw`
        UPDATE "AffiliateProfile" p SET "paidCommissions" = 0, "pendingCommissions" = s."total"
        FROM (SELECT "affiliateProfileId", sum("commissionAmount") AS "total" FROM "Commission" GROUP BY 1) s
        WHERE p."id" = s."affiliateProfileId"`;
    },
    async close() {
      await db.$disconnect();
      for (const prefix of prefixes) await deleteRedisKeys(redisUrl, `${prefix}:*`);
      const admin = new pg.Client({ connectionString: server });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
      await admin.end();
    },
  };
}

export async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = process.hrtime.bigint();
  const value = await run();
  return { ms: Number((process.hrtime.bigint() - started) / 1_000_000n), value };
}
