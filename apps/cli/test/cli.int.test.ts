import { describe, expect, it } from 'vitest';
import { runCliProcess } from './run-cli.ts';

// No database needed: wrong command lines fail before any connection.
describe('payouts command line', () => {
  it('prints the usage on stdout for help', async () => {
    const result = await runCliProcess(['help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: payouts <command>');
  });

  it.each([
    [[]],
    [['frobnicate']],
    [['seed', '--affiliates', 'many']],
    [['seed', '--bogus']],
    [['keys']],
    [['keys', 'create', '--role', 'root', '--name', 'x']],
    [['keys', 'create', '--role', 'admin']],
    [['keys', 'revoke']],
    [['migrate', 'extra']],
    [['dev', '--provider', 'junk']],
    [['dev', '--provider']],
    [['dev', '--provider=stripe']],
    [['dev', '--json-logs=yes']],
    [['batches']],
    [['batches', 'show']],
    [['batches', 'list', '--limit', '0']],
    [['batches', 'watch', 'b1', '--interval-ms', 'soon']],
    [['nightly']],
    [['nightly', 'run']],
    [['nightly', 'run', '--actor', 'ann', '--execute', '--no-execute']],
    [['nightly', 'run', '--actor', 'ann', '--wait', '0']],
    [['nightly', 'run', '--actor', 'a b']],
  ])('exits with 2 and the usage on stderr for %j', async (args) => {
    const result = await runCliProcess(args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^payouts: .+\n\nUsage: payouts <command>/);
  });

  it('names a bad environment variable', async () => {
    const result = await runCliProcess(['keys', 'list'], { DATABASE_URL: 'not a url' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('DATABASE_URL');
  });
});
