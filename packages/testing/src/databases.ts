import { createHash, randomBytes } from 'node:crypto';
import os from 'node:os';
import pg from 'pg';

export function withDatabase(url: string, name: string): string {
  const next = new URL(url);
  next.pathname = `/${name}`;
  return next.toString();
}

// Names carry the host, so a run never mistakes a live run on another machine sharing the server for a
// dead one of its own (a pid means nothing across machines or containers).
const hostTag = createHash('sha256').update(os.hostname()).digest('hex').slice(0, 6);
const abandonedAfterMs = 24 * 60 * 60 * 1000;

/** `<prefix>_<host>_<pid>_<time>_<random>`: unique, lower case, well under Postgres's 63 characters. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${hostTag}_${process.pid}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

async function onServer<T>(serverUrl: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: withDatabase(serverUrl, 'postgres') });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/**
 * Postgres refuses to copy a database anyone is connected to (55006), so the template takes no
 * connections once migrated: nothing can hold it open by mistake while test files copy it.
 */
export async function closeToConnections(serverUrl: string, name: string): Promise<void> {
  await onServer(serverUrl, (c) => c.query(`ALTER DATABASE ${pg.escapeIdentifier(name)} WITH ALLOW_CONNECTIONS false`));
}

/** Copies the migrated template: much faster than migrating each test file's database. */
export async function createDatabaseFromTemplate(serverUrl: string, name: string, template: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await onServer(serverUrl, (c) =>
        c.query(`CREATE DATABASE ${pg.escapeIdentifier(name)} TEMPLATE ${pg.escapeIdentifier(template)}`),
      );
      return;
    } catch (error) {
      // 55006 "source database is being accessed by other users": a connection that was closing as the
      // template was sealed (or one someone opened by hand) is still there; it goes away soon.
      if ((error as { code?: string }).code !== '55006' || attempt >= 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
}

export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  await onServer(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`));
}

/**
 * Drops test databases left by runs that are gone (a killed run cannot clean up after itself): this
 * machine's whose process has exited, and any machine's older than a day.
 */
export async function dropAbandonedDatabases(serverUrl: string, prefixes: readonly string[]): Promise<void> {
  const names = await onServer(serverUrl, async (c) => {
    const { rows } = await c.query<{ datname: string }>('SELECT datname FROM pg_database');
    return rows.map((r) => r.datname);
  });
  for (const name of names) {
    const match = prefixes
      .map((p) => new RegExp(`^${p}_([0-9a-f]{6})_(\\d+)_([0-9a-z]+)_[0-9a-z]+$`).exec(name))
      .find(Boolean);
    if (!match) continue;
    const [, host, pid, time] = match;
    const old = Date.now() - Number.parseInt(time ?? '', 36) > abandonedAfterMs;
    const deadHere = host === hostTag && !processAlive(Number(pid));
    if (old || deadHere) await dropDatabase(serverUrl, name);
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}
