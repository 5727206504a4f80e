import { describe, expect, it } from 'vitest';
import { runCliInProcess, runCliProcess } from './run-cli.ts';

// No database needed: wrong command lines fail before any connection.
describe('payouts command line', () => {
  it('prints the usage on stdout for help', async () => {
    const result = await runCliProcess(['help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: payouts <command>');
  });

  it('exits with 2 and the usage on stderr for a wrong command line', async () => {
    const result = await runCliProcess(['frobnicate']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^payouts: unknown command 'frobnicate'\n\nUsage: payouts <command>/);
  });

  // The same refusal, in this process (runCli, as main.ts runs it): no process start per case.
  it.each([
    [[]],
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
  ])('refuses %j with 2 and the usage on stderr', async (args) => {
    const result = await runCliInProcess(args);
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
