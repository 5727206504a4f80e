import { loadEnv } from '@payouts/config';
import { API_KEY_ROLES, type ApiKeyInfo, createApiKey, listApiKeys, revokeApiKey } from '@payouts/core';
import { withDb } from '../db.ts';
import { parseCommandArgs, UsageError } from '../usage.ts';

type Role = (typeof API_KEY_ROLES)[number];

function isRole(value: string): value is Role {
  return (API_KEY_ROLES as readonly string[]).includes(value);
}

function formatTime(date: Date | null): string {
  return date ? `${date.toISOString().slice(0, 19).replace('T', ' ')}Z` : '-';
}

export function formatKeyTable(keys: readonly ApiKeyInfo[]): string {
  if (keys.length === 0) return 'No API keys.\n';
  const header = ['ID', 'NAME', 'ROLE', 'PREFIX', 'CREATED', 'LAST USED', 'REVOKED'];
  const rows = keys.map((k) => [
    k.id,
    k.name,
    k.role,
    k.keyPrefix,
    formatTime(k.createdAt),
    formatTime(k.lastUsedAt),
    formatTime(k.revokedAt),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

async function create(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(args, { role: { type: 'string' }, name: { type: 'string' } });
  if (values.role === undefined || !isRole(values.role)) {
    throw new UsageError(`keys create needs --role ${API_KEY_ROLES.join('|')}`);
  }
  if (values.name === undefined || values.name.trim() === '') throw new UsageError('keys create needs --name NAME');
  const env = loadEnv();
  const created = await withDb(env.DATABASE_URL, (db) =>
    createApiKey({ db }, { role: values.role as Role, name: values.name as string }),
  );
  process.stdout.write(
    `Created API key ${created.id} (name "${created.name}", role ${created.role}, prefix ${created.keyPrefix}).\n` +
      'Store the key now: it is shown only once and cannot be recovered.\n' +
      `${created.key}\n`,
  );
  return 0;
}

async function list(args: string[]): Promise<number> {
  parseCommandArgs(args, {});
  const env = loadEnv();
  const keys = await withDb(env.DATABASE_URL, (db) => listApiKeys({ db }));
  process.stdout.write(formatKeyTable(keys));
  return 0;
}

async function revoke(args: string[]): Promise<number> {
  const { positionals } = parseCommandArgs(args, {}, 1);
  const id = positionals[0];
  if (!id) throw new UsageError('keys revoke needs the id of a key (see "payouts keys list")');
  const env = loadEnv();
  const now = new Date();
  const key = await withDb(env.DATABASE_URL, (db) => revokeApiKey({ db, now: () => now }, id));
  const already = key.revokedAt && key.revokedAt.getTime() !== now.getTime();
  process.stdout.write(
    already
      ? `API key ${key.id} ("${key.name}") was already revoked at ${formatTime(key.revokedAt)}.\n`
      : `Revoked API key ${key.id} ("${key.name}", role ${key.role}).\n`,
  );
  return 0;
}

export async function runKeysCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'create':
      return create(rest);
    case 'list':
      return list(rest);
    case 'revoke':
      return revoke(rest);
    default:
      throw new UsageError(sub ? `unknown keys command '${sub}'` : 'keys needs a command: create, list or revoke');
  }
}
