import type { Db } from '@payouts/db';
import { makeTestContext } from '@payouts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  authenticateApiKey,
  type CreateApiKeyInput,
  createApiKey,
  hashApiKey,
  listApiKeys,
  revokeApiKey,
} from '../src/api-keys.ts';
import { DomainError, NotFoundError } from '../src/errors.ts';

let ctx: Awaited<ReturnType<typeof makeTestContext>>;
let db: Db;

beforeAll(async () => {
  ctx = await makeTestContext();
  db = ctx.db;
});

afterAll(async () => {
  await ctx?.cleanup();
});

describe('API keys', () => {
  it('stores only the hash and a prefix, never the key', async () => {
    const created = await createApiKey({ db }, { role: 'operator', name: 'ops dashboard' });
    expect(created).toMatchObject({ name: 'ops dashboard', role: 'operator' });
    expect(created.key).toMatch(/^pyk_[A-Za-z0-9_-]{43}$/);
    expect(created.keyPrefix).toBe(created.key.slice(0, 12));

    const row = await db.apiKey.findUniqueOrThrow({ where: { id: created.id } });
    expect(row.keyHash).toBe(hashApiKey(created.key));
    const stored = JSON.stringify(row);
    expect(stored).not.toContain(created.key);
    expect(stored).not.toContain(created.key.slice(12));
  });

  it('lists keys without hashes', async () => {
    const created = await createApiKey({ db }, { role: 'scheduler', name: 'cron' });
    const listed = (await listApiKeys({ db })).find((k) => k.id === created.id);
    expect(listed).toEqual({
      id: created.id,
      name: 'cron',
      role: 'scheduler',
      keyPrefix: created.keyPrefix,
      createdAt: created.createdAt,
      lastUsedAt: null,
      revokedAt: null,
    });
    expect(JSON.stringify(listed)).not.toContain(hashApiKey(created.key));
  });

  it('authenticates a valid key and rejects unknown or malformed ones', async () => {
    const created = await createApiKey({ db }, { role: 'admin', name: 'admin' });
    expect(await authenticateApiKey({ db }, created.key)).toEqual({ id: created.id, name: 'admin', role: 'admin' });
    const other = `pyk_${'A'.repeat(43)}`;
    expect(await authenticateApiKey({ db }, other)).toBeNull();
    expect(await authenticateApiKey({ db }, '')).toBeNull();
    expect(await authenticateApiKey({ db }, created.key.slice(0, -1))).toBeNull();
    expect(await authenticateApiKey({ db }, `${created.key} `)).toBeNull();
  });

  it('records lastUsedAt at most once a minute', async () => {
    const created = await createApiKey({ db }, { role: 'admin', name: 'clock' });
    const t0 = new Date('2030-01-01T00:00:00.000Z');
    const at = (ms: number) => () => new Date(t0.getTime() + ms);
    const lastUsed = async () => (await db.apiKey.findUniqueOrThrow({ where: { id: created.id } })).lastUsedAt;

    await authenticateApiKey({ db, now: at(0) }, created.key);
    expect(await lastUsed()).toEqual(t0);
    await authenticateApiKey({ db, now: at(59_000) }, created.key);
    expect(await lastUsed()).toEqual(t0);
    await authenticateApiKey({ db, now: at(61_000) }, created.key);
    expect(await lastUsed()).toEqual(new Date(t0.getTime() + 61_000));
  });

  it('revokes idempotently, and a revoked key no longer authenticates', async () => {
    const created = await createApiKey({ db }, { role: 'admin', name: 'to revoke' });
    const first = await revokeApiKey({ db, now: () => new Date('2030-02-01T00:00:00Z') }, created.id);
    expect(first.revokedAt).toEqual(new Date('2030-02-01T00:00:00Z'));
    const second = await revokeApiKey({ db, now: () => new Date('2030-03-01T00:00:00Z') }, created.id);
    expect(second.revokedAt).toEqual(first.revokedAt);
    expect(await authenticateApiKey({ db }, created.key)).toBeNull();
  });

  it('fails with NOT_FOUND for an unknown id', async () => {
    const error = await revokeApiKey({ db }, 'no-such-key').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as NotFoundError).code).toBe('NOT_FOUND');
  });

  it('rejects invalid input with VALIDATION_FAILED and writes nothing', async () => {
    const before = await db.apiKey.count();
    for (const input of [
      { role: 'admin', name: '' },
      { role: 'admin', name: 'x'.repeat(101) },
      { role: 'root', name: 'x' },
    ]) {
      const error = await createApiKey({ db }, input as CreateApiKeyInput).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).code).toBe('VALIDATION_FAILED');
    }
    expect(await db.apiKey.count()).toBe(before);
  });
});
