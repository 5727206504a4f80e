import { DomainError } from '@payouts/core';
import { runBatchesCommand } from './commands/batches.command.ts';
import { runDeadLettersCommand } from './commands/dead-letters.command.ts';
import { runDevCommand } from './commands/dev.command.ts';
import { runKeysCommand } from './commands/keys.command.ts';
import { runMigrateCommand } from './commands/migrate.command.ts';
import { runNightlyCommand } from './commands/nightly.command.ts';
import { runProviderEventsCommand } from './commands/provider-events.command.ts';
import { runReportCommand } from './commands/report.command.ts';
import { runReversalsCommand } from './commands/reversals.command.ts';
import { runSeedCommand } from './commands/seed.command.ts';
import { SeedRefusedError } from './seed/seed-data.writer.ts';
import { USAGE, UsageError } from './usage.ts';

const commands: Record<string, (args: string[]) => Promise<number>> = {
  batches: runBatchesCommand,
  'dead-letters': runDeadLettersCommand,
  dev: runDevCommand,
  keys: runKeysCommand,
  migrate: runMigrateCommand,
  nightly: runNightlyCommand,
  'provider-events': runProviderEventsCommand,
  report: runReportCommand,
  reversals: runReversalsCommand,
  seed: runSeedCommand,
};

/** Runs one command line; returns the exit code (2 for a wrong command line). */
export async function runCli(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  try {
    if (name === 'help' || name === '--help' || name === '-h') {
      process.stdout.write(USAGE);
      return 0;
    }
    if (name === undefined) throw new UsageError('missing command');
    const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
    if (!command) throw new UsageError(`unknown command '${name}'`);
    return await command(args);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`payouts: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof SeedRefusedError || error instanceof DomainError) {
      process.stderr.write(`payouts: ${error.message}\n`);
      return 1;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`payouts ${name}: failed: ${message}\n`);
    return 1;
  }
}
