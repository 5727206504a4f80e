// The system the load test runs against: a fresh database seeded for the reads, the API and a worker as
// processes; and the seeding it does later (payable affiliates for creations and for the big batch).
import { randomBytes } from 'node:crypto';
import { createApiKey, createBatches } from '@payouts/core';
import { type Db, makeDb, migrate } from '@payouts/db';
import { deleteRedisKeys, insertPayableAffiliates, spawnApi, spawnWorker } from '@payouts/testing';
import pg from 'pg';

/** Commissions per seeded affiliate: 5 of 10.00-19.99 reach the 50.00 minimum, one payment each. */
export const commissionsPerAffiliate = 5;

export interface SeededSystem {
  baseUrl: string;
  key: string;
  /** The batch of 500 transactions a dashboard reads. */
  readBatchId: string;
  db: Db;
  /** Writes `count` payable affiliates no one has seen yet; their ids. */
  addPayableAffiliates(count: number): Promise<string[]>;
  /** The API's /metrics, for its event-loop delay. */
  metricsUrl: string | null;
  /** Another API process on the same database and queues, with these variables besides; stopped with the rest. */
  startAnotherApi(apiEnv: Record<string, string>): Promise<{ baseUrl: string; metricsUrl: string | null }>;
  stop(): Promise<void>;
}

const actor = { actor: 'bench:loadtest' };

/**
 * Seeds a fresh database and starts the API and one worker on it (a queue prefix of their own):
 * - one PENDING batch of 500 transactions (100 affiliates), the batch a dashboard reads;
 * - 60 small batches, so that GET batches answers a full page of 50;
 * - 500 affiliates with open commissions (2,500), for GET affiliates/payable and previews to total.
 * The worker runs with the defaults (WORKER_CONCURRENCY 20) against the mock provider at 0 ms, so a batch
 * executes as fast as this machine allows, which is the hardest case for the reads beside it.
 */
export async function startSeededSystem(): Promise<SeededSystem> {
  const server = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const name = `payouts_loadtest_${process.pid}`;
  const url = new URL(server);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  const prefix = `loadtest-${randomBytes(4).toString('hex')}`;

  await migrate(databaseUrl);
  const db = makeDb(databaseUrl, { max: 4 });
  const processes: { stop(): Promise<unknown> }[] = [];
  const stop = async () => {
    await Promise.all(processes.map((child) => child.stop()));
    await db.$disconnect();
    await deleteRedisKeys(redisUrl, `${prefix}:*`);
    const admin = new pg.Client({ connectionString: server });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
    await admin.end();
  };
  let nextAffiliate = 1;
  const addPayableAffiliates = async (count: number) => {
    const firstId = nextAffiliate;
    nextAffiliate += count;
    await insertPayableAffiliates(db, count, commissionsPerAffiliate, { firstId });
    return Array.from({ length: count }, (_, i) => `aff_${firstId + i}`);
  };
  try {
    return await seedAndStart();
  } catch (error) {
    await stop();
    throw error;
  }

  async function seedAndStart(): Promise<SeededSystem> {
    const rules = { provider: 'MOCK' as const, minPayout: '50.00' };
    const readBatch = await createBatches(
      { db },
      { ...rules, maxBatchSize: 500, affiliateIds: await addPayableAffiliates(100) },
      actor,
    );
    await createBatches(
      { db },
      { ...rules, maxBatchSize: commissionsPerAffiliate, affiliateIds: await addPayableAffiliates(60) },
      actor,
    );
    await addPayableAffiliates(500);
    const { key } = await createApiKey({ db }, { role: 'admin', name: 'loadtest' });

    const env = {
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: prefix,
      // The load is one key's: the per-key limit (600 a minute by default) would answer most of it with 429.
      RATE_LIMIT_PER_MINUTE: '1000000000',
      MAX_BATCH_SIZE: '10000',
      NIGHTLY_PAYOUT_ENABLED: 'false',
      ACCOUNT_SYNC_CRON: 'off',
    };
    const startApi = async (apiEnv: Record<string, string>) => {
      const api = await spawnApi({ ...env, ...apiEnv });
      processes.push(api);
      return api;
    };
    const api = await startApi({});
    processes.push(await spawnWorker(env));
    return {
      baseUrl: api.url,
      key,
      readBatchId: readBatch.batches[0]?.id ?? '',
      db,
      addPayableAffiliates,
      metricsUrl: api.metricsUrl,
      async startAnotherApi(apiEnv) {
        const another = await startApi(apiEnv);
        return { baseUrl: another.url, metricsUrl: another.metricsUrl };
      },
      stop,
    };
  }
}
