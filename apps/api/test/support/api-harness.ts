import { parseEnv } from '@payouts/config';
import { createApiKey } from '@payouts/core';
import type { ApiKeyRole, Db } from '@payouts/db';
import type { TestContext } from '@payouts/testing';
import type { FastifyInstance } from 'fastify';
import { type Logger, pino } from 'pino';
import { type ApiDeps, closeApiDeps, makeApiDeps } from '../../src/api-deps.ts';
import { buildApp } from '../../src/app.ts';

export interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field
  body: Record<string, any>;
}

export interface TestApi {
  app: FastifyInstance;
  deps: ApiDeps;
  keys: Record<ApiKeyRole, string>;
  /** A request under /api/disbursement with the key of a role (none for null), answered as JSON. */
  call(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    url: string,
    role?: ApiKeyRole | null,
    body?: unknown,
  ): Promise<Answer>;
  close(): Promise<void>;
}

/**
 * The whole API on the test file's database and queue prefix, with a key of every role. Its log: errors
 * on stderr, or `options.logger` (a test that reads what the API logs).
 */
export async function startTestApi(
  ctx: TestContext,
  env: Record<string, string> = {},
  options: { logger?: Logger } = {},
): Promise<TestApi> {
  const deps = makeApiDeps(
    parseEnv({
      DATABASE_URL: ctx.databaseUrl,
      REDIS_URL: ctx.redisUrl,
      QUEUE_PREFIX: ctx.queuePrefix,
      LOG_LEVEL: 'silent',
      RATE_LIMIT_PER_MINUTE: '100000',
      AUTH_FAILURES_PER_MINUTE: '100000',
      // No load shedding: the app shares the test's event loop, and a test's own synchronous work (or a
      // loaded machine) is not the API's overload. load-shedding.int.test.ts turns it on.
      MAX_EVENT_LOOP_DELAY_MS: '0',
      MAX_EVENT_LOOP_UTILIZATION: '0',
      MAX_REQUESTS_IN_FLIGHT: '0',
      ...env,
    }),
  );
  // Errors only, on stderr: a test that meets a 500 shows the server's side of it.
  const app = await buildApp(deps, { loggerInstance: options.logger ?? pino({ level: 'error' }, pino.destination(2)) });
  await app.ready();
  const keys = { admin: '', operator: '', scheduler: '' };
  for (const role of ['admin', 'operator', 'scheduler'] as const) {
    keys[role] = (await createApiKey({ db: ctx.db }, { role, name: `test-${role}` })).key;
  }
  return {
    app,
    deps,
    keys,
    async call(method, url, role = 'admin', body) {
      const response = await app.inject({
        method,
        url: `/api/disbursement${url}`,
        headers: role ? { authorization: `Bearer ${keys[role]}` } : {},
        ...(body === undefined ? {} : { payload: body as object }),
      });
      return { status: response.statusCode, body: response.json() };
    },
    async close() {
      await app.close();
      await closeApiDeps(deps);
    },
  };
}

/** Rows in every table: a refused request must change none. */
export async function rowCounts(db: Db): Promise<Record<string, number>> {
  const tables = await db.$queryRaw<{ name: string }[]>`
    SELECT table_name AS "name" FROM information_schema.tables
    WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`;
  if (tables.length === 0) return {};
  // One round trip for every table: the fuzz test counts after each of its requests.
  const quote = (name: string) => name.replaceAll('"', '""');
  const literal = (name: string) => name.replaceAll("'", "''");
  const sql = tables
    .map(({ name }) => `SELECT '${literal(name)}' AS "name", count(*)::int AS "n" FROM "${quote(name)}"`)
    .join(' UNION ALL ');
  const rows = await db.$queryRawUnsafe<{ name: string; n: number }[]>(sql);
  return Object.fromEntries(rows.map((row) => [row.name, row.n]));
}
