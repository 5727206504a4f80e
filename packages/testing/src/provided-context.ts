// What global-setup.ts hands every integration test file through vitest's provide/inject.

export interface ProvidedServices {
  /** A URL of the Postgres server; its database part is replaced per test database. */
  serverUrl: string;
  redisUrl: string;
  /** The migrated database every test file's database is copied from. */
  templateDatabase: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    payoutsServices: ProvidedServices;
  }
}
