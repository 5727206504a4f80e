import { loadEnv } from '@payouts/config';
import { migrate } from '@payouts/db';
import { parseCommandArgs } from '../usage.ts';

/** Applies pending migrations (migrate() creates the database when it is missing); returns a report. */
export async function migrateDatabase(databaseUrl: string): Promise<string> {
  const notes: string[] = [];
  const result = await migrate(databaseUrl, { log: (line) => notes.push(line) });
  const created = notes.filter((line) => line.startsWith('created database'));
  const outcome =
    result.applied.length === 0
      ? `Database is up to date (${result.skipped.length} migrations applied before).`
      : `Applied ${result.applied.length} migration(s): ${result.applied.join(', ')}.`;
  return [...created.map((line) => `${line[0]?.toUpperCase()}${line.slice(1)}.`), outcome].join(' ');
}

export async function runMigrateCommand(args: string[]): Promise<number> {
  parseCommandArgs(args, {});
  const env = loadEnv();
  process.stdout.write(`${await migrateDatabase(env.DATABASE_URL)}\n`);
  return 0;
}
