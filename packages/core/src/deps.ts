import type { Db, Prisma } from '@payouts/db';

/** What every domain function needs; tests pass real dependencies or another clock. */
export interface CoreDeps {
  db: Db;
  now?: () => Date;
}

/** The client or an open DB transaction: read functions accept either, so callers can compose them. */
export type DbClient = Prisma.TransactionClient;

/** Who caused a change, and from where when it came over HTTP: it goes into every audit row. */
export interface Actor {
  actor: string;
  ipAddress?: string;
  userAgent?: string;
}

export const systemActor = (name: string): Actor => ({ actor: `system:${name}` });
