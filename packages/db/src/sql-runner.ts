import type { Readable } from 'node:stream';
import pg from 'pg';
import QueryStream from 'pg-query-stream';
import { Prisma } from './generated/prisma/client.ts';

/**
 * Runs a `Prisma.sql` statement straight on node-postgres: one round trip, none of Prisma's per-query
 * work, which costs several times the statement itself on the payment hot path. Values go as text
 * (dates as ISO instants, decimals as their digits); rows come back as node-postgres gives them, but for
 * `timestamp` columns, read as the UTC instants they hold, and `numeric` ones, kept as decimal strings.
 */
export type SqlRunner = <T>(query: Prisma.Sql) => Promise<T[]>;

const timestampWithoutZone = 1114;
const numeric = 1700;

const types = {
  getTypeParser(oid: number, format?: string) {
    if (oid === timestampWithoutZone) return (text: string) => new Date(`${text.replace(' ', 'T')}Z`);
    if (oid === numeric) return (text: string) => text;
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

function toParameter(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Prisma.Decimal.isDecimal(value)) return (value as Prisma.Decimal).toString();
  return value;
}

export function makeSqlRunner(pool: pg.Pool): SqlRunner {
  return async <T>(query: Prisma.Sql) => {
    const result = await pool.query({
      text: query.text,
      values: query.values.map(toParameter),
      types,
    } as pg.QueryConfig);
    return result.rows as T[];
  };
}

/**
 * Rows of a `Prisma.sql` statement as an object stream read through a server-side cursor, `batchSize`
 * rows at a time: memory stays bounded however many rows there are, and a slow reader holds the cursor
 * back. The connection goes back to the pool when the stream ends, fails or is destroyed. Values and
 * rows are converted as `SqlRunner` does.
 */
export type SqlStreamer = (query: Prisma.Sql, options?: { batchSize?: number }) => Promise<Readable>;

export function makeSqlStreamer(pool: pg.Pool): SqlStreamer {
  return async (query, options = {}) => {
    const client = await pool.connect();
    const rows = new QueryStream(query.text, query.values.map(toParameter), {
      batchSize: options.batchSize ?? 500,
      types,
    } as ConstructorParameters<typeof QueryStream>[2]);
    let released = false;
    const release = (error?: Error) => {
      if (released) return;
      released = true;
      // A connection whose cursor failed or was cut off mid-way is not trusted again.
      client.release(error ?? (rows.readableEnded ? undefined : new Error('stream closed early')));
    };
    rows.once('error', release);
    rows.once('close', () => release());
    return client.query(rows);
  };
}
