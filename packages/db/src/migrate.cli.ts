import { migrate } from './migrate.ts';

const databaseUrl = process.env.DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/payouts';
try {
  const result = await migrate(databaseUrl, { log: (line) => console.log(line) });
  console.log(`migrations: ${result.applied.length} applied, ${result.skipped.length} already applied`);
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
