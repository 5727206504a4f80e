import { type Db, makeDb } from '@payouts/db';
import { Redis } from 'ioredis';
import { inject } from 'vitest';
import { createDatabaseFromTemplate, dropDatabase, uniqueName, withDatabase } from './databases.ts';
import type { ProvidedServices } from './provided-context.ts';

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
  const { serverUrl, redisUrl, templateDatabase } = providedServices();
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
      // Every step runs even when one fails, so a failing test file still leaves nothing behind.
      const results = await Promise.allSettled([
        db.$disconnect().finally(() => dropDatabase(serverUrl, name)),
        deleteRedisKeys(redisUrl, `${queuePrefix}:*`),
      ]);
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}

/** Deletes the keys matching `pattern` (a SCAN pattern: `prefix:*`), in pages of 1,000. */
export async function deleteRedisKeys(redisUrl: string, pattern: string): Promise<void> {
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
  return providedServices().serverUrl;
}

function providedServices(): ProvidedServices {
  const services = inject('payoutsServices');
  if (!services) {
    throw new Error(
      'no test services: run this as an integration test (*.int.test.ts, vitest project "integration"), ' +
        'whose globalSetup is packages/testing/src/global-setup.ts',
    );
  }
  return services;
}
