import type { Db } from '@payouts/db';

/** What every domain function needs; tests pass real dependencies or another clock. */
export interface CoreDeps {
  db: Db;
  now?: () => Date;
}

/** Who caused a change, and from where when it came over HTTP: it goes into every audit row. */
export interface Actor {
  actor: string;
  ipAddress?: string;
  userAgent?: string;
}

export const systemActor = (name: string): Actor => ({ actor: `system:${name}` });
