import { authenticateApiKey } from '@payouts/core';
import { makeTestContext } from '@payouts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliProcess } from './run-cli.ts';

let ctx: Awaited<ReturnType<typeof makeTestContext>>;

beforeAll(async () => {
  ctx = await makeTestContext();
});

afterAll(async () => {
  await ctx?.cleanup();
});

const cli = (args: string[]) => runCliProcess(['keys', ...args], { DATABASE_URL: ctx.databaseUrl });

describe('payouts keys', () => {
  it('creates a key, prints it alone on the last line, lists and revokes it', async () => {
    const created = await cli(['create', '--role', 'operator', '--name', 'ci operator']);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const lines = created.stdout.trimEnd().split('\n');
    const key = lines.at(-1) ?? '';
    expect(key).toMatch(/^pyk_[A-Za-z0-9_-]{43}$/);
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.slice(0, -1).join('\n')).not.toContain(key);

    const principal = await authenticateApiKey({ db: ctx.db }, key);
    expect(principal).toMatchObject({ name: 'ci operator', role: 'operator' });
    const id = principal?.id ?? '';

    const listed = await cli(['list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^ID\s+NAME\s+ROLE\s+PREFIX\s+CREATED\s+LAST USED\s+REVOKED\n/);
    expect(listed.stdout).toContain(id);
    expect(listed.stdout).toContain(key.slice(0, 12));
    expect(listed.stdout).not.toContain(key);

    const revoked = await cli(['revoke', id]);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain(`Revoked API key ${id}`);
    expect(await authenticateApiKey({ db: ctx.db }, key)).toBeNull();

    const again = await cli(['revoke', id]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already revoked');
  });

  it('fails with 1 and a message for an unknown id', async () => {
    const result = await cli(['revoke', 'no-such-key']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('API key no-such-key not found');
  });
});
