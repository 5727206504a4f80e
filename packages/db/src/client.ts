import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from './generated/prisma/client.ts';
import { makeSqlRunner, makeSqlStreamer, type SqlRunner, type SqlStreamer } from './sql-runner.ts';

/**
 * The Prisma client, `sql` for the few hot statements that skip Prisma's query path, and `stream` for
 * exports read through a cursor (both on the same pool).
 */
export type Db = PrismaClient & { sql: SqlRunner; stream: SqlStreamer };

/**
 * A Prisma client over one node-postgres pool, which `db.sql` shares; the caller owns it and must
 * `$disconnect()` it (that ends the pool too). Sessions run in UTC: timestamps are stored as UTC wall
 * times, whether Prisma writes them or SQL's now().
 */
export function makeDb(databaseUrl: string, options: { max?: number } = {}): Db {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: options.max ?? 10, options: '-c TimeZone=UTC' });
  const adapter = new PrismaPg(pool, { disposeExternalPool: true });
  const client = new PrismaClient({ adapter });
  const disconnectPrisma = client.$disconnect.bind(client);
  // Prisma ends the pool only if it connected itself: a client used through `sql` alone would keep its
  // idle connections (and a CLI process) alive for the pool's idle timeout.
  const $disconnect = async () => {
    await disconnectPrisma();
    if (!pool.ended) await pool.end();
  };
  return Object.assign(client, { sql: makeSqlRunner(pool), stream: makeSqlStreamer(pool), $disconnect });
}
