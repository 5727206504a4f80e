import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { dropDatabase, testServerUrl, uniqueName, withDatabase } from '@payouts/testing';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultMigrationsDir, MigrationError, migrate } from '../src/migrate.ts';

const created: string[] = [];
function newDatabaseUrl(): string {
  const name = uniqueName('payouts_migrate');
  created.push(name);
  return withDatabase(testServerUrl(), name);
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** A copy of the real migrations in a temporary folder, to change without touching the repository. */
async function copyMigrations(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'migrations-'));
  await fs.cp(defaultMigrationsDir, dir, { recursive: true });
  return dir;
}

afterAll(async () => {
  for (const name of created) await dropDatabase(testServerUrl(), name);
});

describe('migrate', () => {
  it('creates the database and records each migration as Prisma does', async () => {
    const url = newDatabaseUrl();
    const first = await migrate(url);
    expect(first.applied.length).toBeGreaterThan(0);
    expect(first.skipped).toEqual([]);

    const rows = await query<{
      migration_name: string;
      checksum: string;
      finished_at: Date | null;
      applied_steps_count: number;
    }>(
      url,
      'SELECT migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name',
    );
    expect(rows.map((r) => r.migration_name)).toEqual(first.applied);
    for (const row of rows) {
      const file = await fs.readFile(path.join(defaultMigrationsDir, row.migration_name, 'migration.sql'));
      expect(row.checksum).toBe(createHash('sha256').update(file).digest('hex'));
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.applied_steps_count).toBe(1);
    }

    const second = await migrate(url);
    expect(second).toEqual({ applied: [], skipped: first.applied });
  });

  it('refuses, changing nothing, when an applied migration file changed', async () => {
    const url = newDatabaseUrl();
    const dir = await copyMigrations();
    const [firstMigration] = (await fs.readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory());
    await migrate(url, { migrationsDir: dir });

    await fs.appendFile(path.join(dir, firstMigration?.name ?? '', 'migration.sql'), '\n-- edited afterwards\n');
    await fs.mkdir(path.join(dir, '29990101000000_later'));
    await fs.writeFile(path.join(dir, '29990101000000_later', 'migration.sql'), 'CREATE TABLE "Later" ("id" TEXT);');

    await expect(migrate(url, { migrationsDir: dir })).rejects.toThrow(/was modified after it was applied/);
    const later = await query(url, `SELECT 1 FROM information_schema.tables WHERE table_name = 'Later'`);
    expect(later).toEqual([]);
  });

  it('refuses when an applied migration is missing from the folder', async () => {
    const url = newDatabaseUrl();
    const dir = await copyMigrations();
    await migrate(url, { migrationsDir: dir });
    for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) await fs.rm(path.join(dir, entry.name), { recursive: true });
    }
    await expect(migrate(url, { migrationsDir: dir })).rejects.toThrow(MigrationError);
  });

  it('rolls a failing migration back whole and records nothing for it', async () => {
    const url = newDatabaseUrl();
    const dir = await copyMigrations();
    await fs.mkdir(path.join(dir, '29990101000000_broken'));
    await fs.writeFile(
      path.join(dir, '29990101000000_broken', 'migration.sql'),
      'CREATE TABLE "Half" ("id" TEXT);\nSELECT * FROM "NoSuchTable";',
    );
    await expect(migrate(url, { migrationsDir: dir })).rejects.toThrow(/29990101000000_broken failed/);
    expect(await query(url, `SELECT 1 FROM information_schema.tables WHERE table_name = 'Half'`)).toEqual([]);
    const recorded = await query<{ migration_name: string }>(url, 'SELECT migration_name FROM "_prisma_migrations"');
    expect(recorded.map((r) => r.migration_name)).not.toContain('29990101000000_broken');
  });

  it('lets two runners race on a new database: both succeed, each migration applied once', async () => {
    const url = newDatabaseUrl();
    const [a, b] = await Promise.all([migrate(url), migrate(url)]);
    expect([...(a?.applied ?? []), ...(b?.applied ?? [])].sort()).toEqual(
      [...(a?.applied ?? []), ...(a?.skipped ?? [])].sort(),
    );
    const rows = await query<{ n: number }>(url, 'SELECT count(*)::int AS n FROM "_prisma_migrations"');
    expect(rows[0]?.n).toBe((a?.applied.length ?? 0) + (a?.skipped.length ?? 0));
  });
});
