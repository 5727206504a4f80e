export { type Db, makeDb } from './client.ts';
export * from './generated/prisma/client.ts';
export { defaultMigrationsDir, type MigrateOptions, type MigrateResult, MigrationError, migrate } from './migrate.ts';
export type { SqlRunner, SqlStreamer } from './sql-runner.ts';
export { type BatcherOptions, batcherPer, makeBatcher } from './statement-batcher.ts';
