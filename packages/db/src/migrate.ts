import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';

export const defaultMigrationsDir = path.resolve(import.meta.dirname, '../../../prisma/migrations');

export interface MigrateOptions {
  migrationsDir?: string;
  log?: (line: string) => void;
}

export interface MigrateResult {
  applied: string[];
  skipped: string[];
}

export class MigrationError extends Error {
  override name = 'MigrationError';
}

interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
  /** The file's checksum and those of it with other line endings, which Prisma also accepts. */
  acceptedChecksums: string[];
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

// The key `prisma migrate` itself locks, so this runner and Prisma's also wait for each other.
const advisoryLockKey = 72_707_369;

/**
 * Applies prisma/migrations/<name>/migration.sql files that are not applied yet, each in its own DB
 * transaction together with its `_prisma_migrations` row, recorded as `prisma migrate deploy` records
 * them (checksum = sha256 of the file). Creates the database when it does not exist. Refuses to run,
 * changing nothing, when an applied migration's file changed or disappeared or an earlier one failed.
 */
export async function migrate(databaseUrl: string, options: MigrateOptions = {}): Promise<MigrateResult> {
  const log = options.log ?? (() => {});
  const files = await readMigrations(options.migrationsDir ?? defaultMigrationsDir);
  const client = await connectCreatingDatabase(databaseUrl, log);
  try {
    await client.query('SELECT pg_advisory_lock($1)', [advisoryLockKey]);
    await client.query(`
      CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
        "id"                  VARCHAR(36) PRIMARY KEY NOT NULL,
        "checksum"            VARCHAR(64) NOT NULL,
        "finished_at"         TIMESTAMPTZ,
        "migration_name"      VARCHAR(255) NOT NULL,
        "logs"                TEXT,
        "rolled_back_at"      TIMESTAMPTZ,
        "started_at"          TIMESTAMPTZ NOT NULL DEFAULT now(),
        "applied_steps_count" INTEGER NOT NULL DEFAULT 0
      )`);
    const { rows } = await client.query<AppliedRow>(
      'SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at',
    );
    const pending = checkHistory(files, rows);

    const result: MigrateResult = {
      applied: [],
      skipped: files.filter((f) => !pending.includes(f)).map((f) => f.name),
    };
    for (const file of pending) {
      await client.query('BEGIN');
      try {
        await client.query(file.sql);
        await client.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, applied_steps_count, started_at)
           VALUES ($1, $2, clock_timestamp(), $3, 1, now())`,
          [randomUUID(), file.checksum, file.name],
        );
        await client.query('COMMIT');
      } catch (error) {
        // A failed ROLLBACK means a broken connection; the migration's own error says more.
        await client.query('ROLLBACK').catch(() => {});
        throw new MigrationError(`migration ${file.name} failed and was rolled back: ${(error as Error).message}`);
      }
      log(`applied ${file.name}`);
      result.applied.push(file.name);
    }
    return result;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [advisoryLockKey]).catch(() => {});
    await client.end();
  }
}

async function readMigrations(dir: string): Promise<MigrationFile[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const bytes = await fs.readFile(path.join(dir, name, 'migration.sql'));
      const sql = bytes.toString('utf8');
      const checksum = sha256(bytes);
      // A checkout may have turned LF into CRLF or back (git autocrlf); Prisma accepts either.
      const acceptedChecksums = [checksum, sha256(sql.replaceAll('\r\n', '\n')), sha256(sql.replaceAll('\n', '\r\n'))];
      return { name, sql, checksum, acceptedChecksums };
    }),
  );
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The migrations still to apply, after making sure the recorded history agrees with the files. */
function checkHistory(files: MigrationFile[], rows: AppliedRow[]): MigrationFile[] {
  const byName = new Map(files.map((f) => [f.name, f]));
  const applied = new Set<string>();
  for (const row of rows) {
    if (row.rolled_back_at) continue;
    if (!row.finished_at) {
      const name = row.migration_name;
      throw new MigrationError(
        `migration ${name} is recorded as started but never finished (an earlier attempt failed): repair the ` +
          `database by hand, mark it rolled back (prisma migrate resolve --rolled-back ${name}, or set its ` +
          'rolled_back_at in _prisma_migrations), then migrate again',
      );
    }
    const file = byName.get(row.migration_name);
    if (!file)
      throw new MigrationError(`applied migration ${row.migration_name} is missing from the migrations folder`);
    if (!file.acceptedChecksums.includes(row.checksum)) {
      throw new MigrationError(
        `migration ${row.migration_name} was modified after it was applied (checksum ${row.checksum} -> ${file.checksum})`,
      );
    }
    applied.add(row.migration_name);
  }
  return files.filter((f) => !applied.has(f.name));
}

/** Connects to the database, first creating it when it does not exist. */
async function connectCreatingDatabase(databaseUrl: string, log: (line: string) => void): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: databaseUrl });
  try {
    await client.connect();
    return client;
  } catch (error) {
    // 3D000 invalid_catalog_name: the database does not exist. Anything else is not ours to fix.
    if ((error as { code?: string }).code !== '3D000') throw error;
  }
  await createDatabase(databaseUrl, log);
  const created = new pg.Client({ connectionString: databaseUrl });
  await created.connect();
  return created;
}

async function createDatabase(databaseUrl: string, log: (line: string) => void): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  if (!name) throw new MigrationError(`the database URL names no database: ${url.origin}`);
  url.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: url.toString() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
    log(`created database ${name}`);
  } catch (error) {
    // Another runner created it first: duplicate_database, or the catalog's unique index when both
    // were inside CREATE DATABASE at once. Either way it exists now, which is all we need.
    const code = (error as { code?: string }).code;
    if (code !== '42P04' && code !== '23505') throw error;
  } finally {
    await admin.end();
  }
}
