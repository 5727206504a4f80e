import { type Db, makeDb } from '@payouts/db';
import { Redis } from 'ioredis';
import { inject } from 'vitest';
import { createDatabaseFromTemplate, dropDatabase, uniqueName, withDatabase } from './databases.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Set once per run by global-setup.ts. */
    payoutsServices: { serverUrl: string; redisUrl: string; templateDatabase: string };
  }
}

export interface TestContext {
  /** A fresh migrated database of this test file's own. */
  databaseUrl: string;
  db: Db;
  redisUrl: string;
  /** Another client of this database, for tests that need concurrent connections; disconnect it after. */
  makeDb(): Db;
  /** A BullMQ prefix of this test file's own. */
  queuePrefix: string;
  /** Disconnects, drops the database and deletes every Redis key under the prefix. */
  cleanup(): Promise<void>;
}

/** Call in beforeAll of an integration test file; call cleanup() in afterAll. */
export async function makeTestContext(): Promise<TestContext> {
  const { serverUrl, redisUrl, templateDatabase } = inject('payoutsServices');
  const name = uniqueName('payouts_test');
  await createDatabaseFromTemplate(serverUrl, name, templateDatabase);
  const databaseUrl = withDatabase(serverUrl, name);
  const db = makeDb(databaseUrl, { max: 5 });
  const queuePrefix = uniqueName('t').replaceAll('_', '-');
  return {
    databaseUrl,
    db,
    makeDb: () => makeDb(databaseUrl, { max: 5 }),
    redisUrl,
    queuePrefix,
    async cleanup() {
      await db.$disconnect();
      await dropDatabase(serverUrl, name);
      await deleteKeys(redisUrl, `${queuePrefix}:*`);
    },
  };
}

async function deleteKeys(redisUrl: string, pattern: string): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** The Postgres server of this run (its URL names the `postgres` database), for tests that make databases. */
export function testServerUrl(): string {
  return inject('payoutsServices').serverUrl;
}
