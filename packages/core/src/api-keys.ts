import { createHash, randomBytes } from 'node:crypto';
import { type ApiKeyRole, Prisma } from '@payouts/db';
import { z } from 'zod';
import type { CoreDeps } from './deps.ts';
import { DomainError, NotFoundError } from './errors.ts';

export const API_KEY_ROLES = ['admin', 'operator', 'scheduler'] as const satisfies readonly ApiKeyRole[];

/** Every key starts with this, so a leaked key is recognisable (e.g. by secret scanners). */
export const API_KEY_PREFIX = 'pyk_';
const KEY_PREFIX_LENGTH = 12;
const LAST_USED_RESOLUTION_MS = 60_000;
// pyk_ + base64url of 32 bytes (43 characters, no padding)
const KEY_PATTERN = /^pyk_[A-Za-z0-9_-]{43}$/;

export const createApiKeyInputSchema = z.strictObject({
  role: z.enum(API_KEY_ROLES),
  name: z.string().trim().min(1).max(100),
});
export type CreateApiKeyInput = z.input<typeof createApiKeyInputSchema>;

/** An API key as listed: never its hash, never the key. */
export interface ApiKeyInfo {
  id: string;
  name: string;
  role: ApiKeyRole;
  keyPrefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/** A new key: `key` is shown once here and cannot be recovered later. */
export interface CreatedApiKey {
  id: string;
  name: string;
  role: ApiKeyRole;
  key: string;
  keyPrefix: string;
  createdAt: Date;
}

export interface ApiKeyPrincipal {
  id: string;
  name: string;
  role: ApiKeyRole;
}

const infoSelect = {
  id: true,
  name: true,
  role: true,
  keyPrefix: true,
  createdAt: true,
  lastUsedAt: true,
  revokedAt: true,
} as const;

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function generateApiKey(): string {
  return `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
}

function parseInput<T>(schema: z.ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const message = result.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ');
  throw new DomainError('VALIDATION_FAILED', message, result.error.issues);
}

export async function createApiKey(deps: CoreDeps, input: CreateApiKeyInput): Promise<CreatedApiKey> {
  const { role, name } = parseInput(createApiKeyInputSchema, input);
  const key = generateApiKey();
  const row = await deps.db.apiKey.create({
    data: {
      name,
      role,
      keyHash: hashApiKey(key),
      keyPrefix: key.slice(0, KEY_PREFIX_LENGTH),
      ...(deps.now ? { createdAt: deps.now() } : {}),
    },
    select: { id: true, name: true, role: true, keyPrefix: true, createdAt: true },
  });
  return { ...row, key };
}

export async function listApiKeys(deps: CoreDeps): Promise<ApiKeyInfo[]> {
  return deps.db.apiKey.findMany({ select: infoSelect, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
}

/** Revokes a key; revoking a revoked key changes nothing and returns it as it is. */
export async function revokeApiKey(deps: CoreDeps, id: string): Promise<ApiKeyInfo> {
  const now = deps.now?.() ?? new Date();
  // Conditional update: a second revoke keeps the first revokedAt.
  await deps.db.apiKey.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: now } });
  const row = await deps.db.apiKey.findUnique({ where: { id }, select: infoSelect });
  if (!row) throw new NotFoundError('API key', id);
  return row;
}

/**
 * The principal behind a presented key, or null when the key is unknown or revoked.
 * The lookup is by the key's sha256 through a unique index, so no secret is compared in
 * application code and a constant-time comparison would add nothing.
 */
export async function authenticateApiKey(deps: CoreDeps, key: string): Promise<ApiKeyPrincipal | null> {
  if (!KEY_PATTERN.test(key)) return null;
  // Every authenticated request runs this: plain SQL costs a quarter of Prisma's CPU here.
  const [row] = await deps.db.sql<{
    id: string;
    name: string;
    role: ApiKeyRole;
    lastUsedAt: Date | null;
    revokedAt: Date | null;
  }>(Prisma.sql`
    SELECT "id", "name", "role", "lastUsedAt", "revokedAt" FROM "ApiKey" WHERE "keyHash" = ${hashApiKey(key)}`);
  if (!row || row.revokedAt) return null;

  const now = deps.now?.() ?? new Date();
  const staleBefore = new Date(now.getTime() - LAST_USED_RESOLUTION_MS);
  if (!row.lastUsedAt || row.lastUsedAt < staleBefore) {
    // At most one write per key per minute, however many requests arrive: the condition makes
    // concurrent requests race for a single update instead of each writing.
    await deps.db.apiKey.updateMany({
      where: { id: row.id, OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: staleBefore } }] },
      data: { lastUsedAt: now },
    });
  }
  return { id: row.id, name: row.name, role: row.role };
}
