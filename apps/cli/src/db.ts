import { type Db, makeDb } from '@payouts/db';

/** Runs `fn` with a short-lived client and always disconnects, so the process can exit. */
export async function withDb<T>(databaseUrl: string, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = makeDb(databaseUrl, { max: 4 });
  try {
    return await fn(db);
  } finally {
    await db.$disconnect();
  }
}
