import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { dropDatabase, testServerUrl, uniqueName, withDatabase } from '@payouts/testing';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultMigrationsDir, MigrationError, migrate } from '../src/migrate.ts';

const created: string[] = [];
const tempDirs: string[] = [];
function newDatabase(): { name: string; url: string } {
  const name = uniqueName('payouts_migrate');
  created.push(name);
  return { name, url: withDatabase(testServerUrl(), name) };
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

async function databaseExists(name: string): Promise<boolean> {
  const rows = await query(testServerUrl(), 'SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  return rows.length === 1;
}

interface MigrationRow {
  id: string;
  migration_name: string;
  checksum: string;
  logs: string | null;
  started_at: Date;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  applied_steps_count: number;
}

const migrationRows = (url: string) =>
  query<MigrationRow>(url, 'SELECT * FROM "_prisma_migrations" ORDER BY migration_name');

/** A copy of the real migrations in a temporary folder, to change without touching the repository. */
async function copyMigrations(): Promise<{ dir: string; first: string }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'migrations-'));
  tempDirs.push(dir);
  await fs.cp(defaultMigrationsDir, dir, { recursive: true });
  const names = (await fs.readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  const first = names.sort()[0];
  if (!first) throw new Error('no migrations found');
  return { dir, first };
}

async function addMigration(dir: string, name: string, sql: string): Promise<void> {
  await fs.mkdir(path.join(dir, name));
  await fs.writeFile(path.join(dir, name, 'migration.sql'), sql);
}

const tableExists = async (url: string, table: string) =>
  (await query(url, 'SELECT 1 FROM information_schema.tables WHERE table_name = $1', [table])).length === 1;

afterAll(async () => {
  for (const name of created) await dropDatabase(testServerUrl(), name);
  for (const dir of tempDirs) await fs.rm(dir, { recursive: true, force: true });
});

describe('migrate', () => {
  it('creates a missing database, applies every migration and records each as Prisma does', async () => {
    const { name, url } = newDatabase();
    expect(await databaseExists(name)).toBe(false);
    const log: string[] = [];
    const first = await migrate(url, { log: (line) => log.push(line) });
    expect(await databaseExists(name)).toBe(true);
    expect(log[0]).toBe(`created database ${name}`);
    expect(first.applied.length).toBeGreaterThan(0);
    expect(first.skipped).toEqual([]);

    const rows = await migrationRows(url);
    expect(rows.map((r) => r.migration_name)).toEqual(first.applied);
    for (const row of rows) {
      const file = await fs.readFile(path.join(defaultMigrationsDir, row.migration_name, 'migration.sql'));
      expect(row.checksum).toBe(createHash('sha256').update(file).digest('hex'));
      expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.finished_at?.getTime()).toBeGreaterThanOrEqual(row.started_at.getTime());
      expect(row.rolled_back_at).toBeNull();
      expect(row.logs).toBeNull();
      expect(row.applied_steps_count).toBe(1);
    }
  });

  it('applies nothing the second time', async () => {
    const { url } = newDatabase();
    const first = await migrate(url);
    const rowsBefore = await migrationRows(url);
    expect(await migrate(url)).toEqual({ applied: [], skipped: first.applied });
    expect(await migrationRows(url)).toEqual(rowsBefore);
  });

  it('applies only the new migration when one is added', async () => {
    const { url } = newDatabase();
    const { dir } = await copyMigrations();
    const first = await migrate(url, { migrationsDir: dir });
    await addMigration(dir, '29990101000000_later', 'CREATE TABLE "Later" ("id" TEXT PRIMARY KEY);');
    expect(await migrate(url, { migrationsDir: dir })).toEqual({
      applied: ['29990101000000_later'],
      skipped: first.applied,
    });
    expect(await tableExists(url, 'Later')).toBe(true);
  });

  it('refuses, naming it and changing nothing, when an applied migration file changed', async () => {
    const { url } = newDatabase();
    const { dir, first } = await copyMigrations();
    await migrate(url, { migrationsDir: dir });
    const rowsBefore = await migrationRows(url);

    await fs.appendFile(path.join(dir, first, 'migration.sql'), '\n-- edited afterwards\n');
    await addMigration(dir, '29990101000000_later', 'CREATE TABLE "Later" ("id" TEXT);');

    const attempt = migrate(url, { migrationsDir: dir });
    await expect(attempt).rejects.toThrow(MigrationError);
    await expect(attempt).rejects.toThrow(`migration ${first} was modified after it was applied`);
    expect(await tableExists(url, 'Later')).toBe(false);
    expect(await migrationRows(url)).toEqual(rowsBefore);
  });

  it('accepts a file whose line endings a checkout changed, as Prisma does', async () => {
    const { url } = newDatabase();
    const { dir, first } = await copyMigrations();
    const applied = await migrate(url, { migrationsDir: dir });
    const file = path.join(dir, first, 'migration.sql');
    await fs.writeFile(file, (await fs.readFile(file, 'utf8')).replaceAll('\n', '\r\n'));
    expect(await migrate(url, { migrationsDir: dir })).toEqual({ applied: [], skipped: applied.applied });
  });

  it('refuses, naming it, when an applied migration is missing from the folder', async () => {
    const { url } = newDatabase();
    const { dir, first } = await copyMigrations();
    await migrate(url, { migrationsDir: dir });
    await fs.rm(path.join(dir, first), { recursive: true });
    await addMigration(dir, '29990101000000_later', 'CREATE TABLE "Later" ("id" TEXT);');
    await expect(migrate(url, { migrationsDir: dir })).rejects.toThrow(
      `applied migration ${first} is missing from the migrations folder`,
    );
    expect(await tableExists(url, 'Later')).toBe(false);
  });

  it('refuses, naming it, while an earlier attempt is recorded as failed', async () => {
    const { url } = newDatabase();
    const { dir } = await copyMigrations();
    await migrate(url, { migrationsDir: dir });
    // What `prisma migrate deploy` leaves behind when a migration fails half way.
    await query(
      url,
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, logs, started_at)
       VALUES (gen_random_uuid()::text, repeat('0', 64), '29990101000000_broken', 'error: ...', now())`,
    );
    await addMigration(dir, '29990101000000_broken', 'CREATE TABLE "Broken" ("id" TEXT);');
    await addMigration(dir, '29990102000000_later', 'CREATE TABLE "Later" ("id" TEXT);');
    await expect(migrate(url, { migrationsDir: dir })).rejects.toThrow(
      'migration 29990101000000_broken is recorded as started but never finished',
    );
    expect(await tableExists(url, 'Broken')).toBe(false);
    expect(await tableExists(url, 'Later')).toBe(false);

    // Marked rolled back (`prisma migrate resolve --rolled-back`), it is applied again.
    await query(url, `UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE finished_at IS NULL`);
    const result = await migrate(url, { migrationsDir: dir });
    expect(result.applied).toEqual(['29990101000000_broken', '29990102000000_later']);
  });

  it('rolls a failing migration back whole and records nothing for it', async () => {
    const { url } = newDatabase();
    const { dir } = await copyMigrations();
    await addMigration(dir, '29990101000000_broken', 'CREATE TABLE "Half" ("id" TEXT);\nSELECT * FROM "NoSuchTable";');
    await expect(migrate(url, { migrationsDir: dir })).rejects.toThrow(/migration 29990101000000_broken failed/);
    expect(await tableExists(url, 'Half')).toBe(false);
    const recorded = await migrationRows(url);
    expect(recorded.map((r) => r.migration_name)).not.toContain('29990101000000_broken');
    // The migrations before it were applied, each in its own transaction.
    expect(recorded.length).toBeGreaterThan(0);
  });

  it('lets two runners race on a missing database: both succeed, each migration applied once', async () => {
    const { name, url } = newDatabase();
    expect(await databaseExists(name)).toBe(false);
    const [a, b] = await Promise.all([migrate(url), migrate(url)]);
    const all = [...(a?.applied ?? []), ...(a?.skipped ?? [])].sort();
    expect(all.length).toBeGreaterThan(0);
    expect([...(a?.applied ?? []), ...(b?.applied ?? [])].sort()).toEqual(all);
    expect((await migrationRows(url)).map((r) => r.migration_name)).toEqual(all);
  });
});
