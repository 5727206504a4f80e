import { parseEnv } from '@payouts/config';
import { createApiKey } from '@payouts/core';
import { makeTestContext, type TestContext } from '@payouts/testing';
import { Validator } from '@seriousme/openapi-schema-validator';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeApiDeps, makeApiDeps } from '../src/api-deps.ts';
import { buildApp } from '../src/app.ts';

describe('OpenAPI document at /docs', () => {
  let ctx: TestContext;
  let app: FastifyInstance;
  let deps: ReturnType<typeof makeApiDeps>;
  let operatorKey: string;

  beforeAll(async () => {
    ctx = await makeTestContext();
    deps = makeApiDeps(
      parseEnv({ DATABASE_URL: ctx.databaseUrl, REDIS_URL: ctx.redisUrl, QUEUE_PREFIX: ctx.queuePrefix }),
    );
    app = await buildApp(deps);
    await app.ready();
    operatorKey = (await createApiKey({ db: ctx.db }, { role: 'operator', name: 'docs-reader' })).key;
  });
  afterAll(async () => {
    await app?.close();
    if (deps) await closeApiDeps(deps);
    await ctx?.cleanup();
  });

  const getDocument = async () => {
    const response = await app.inject({ url: '/docs/json', headers: { authorization: `Bearer ${operatorKey}` } });
    expect(response.statusCode).toBe(200);
    return response.json() as { openapi: string; paths: Record<string, Record<string, { responses?: object }>> };
  };

  it('is a valid OpenAPI 3 document', async () => {
    const document = await getDocument();
    expect(document.openapi).toMatch(/^3\./);
    const result = await new Validator().validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('lists every API route, with the bearer scheme and the error shape', async () => {
    const document = await getDocument();
    expect(app.apiRoutes.length).toBeGreaterThan(3);
    for (const route of app.apiRoutes) {
      const path = route.url.replace(/:([A-Za-z]+)/g, '{$1}');
      const operation = document.paths[path]?.[route.method.toLowerCase()];
      expect(operation, `${route.method} ${path} is missing`).toBeDefined();
      expect(Object.keys(operation?.responses ?? {})).toEqual(expect.arrayContaining(['400', '401', '403', '500']));
    }
    const raw = JSON.stringify(document);
    expect(raw).toContain('"bearerAuth"');
    expect(raw).toContain('IDEMPOTENCY_KEY_REUSED');
  });

  it('asks for a key: 401 with a Basic challenge without one; the key as Basic password opens the UI', async () => {
    const denied = await app.inject({ url: '/docs' });
    expect(denied.statusCode).toBe(401);
    expect(denied.headers['www-authenticate']).toMatch(/^Basic/);
    const basic = Buffer.from(`anyone:${operatorKey}`).toString('base64');
    const ui = await app.inject({ url: '/docs/', headers: { authorization: `Basic ${basic}` } });
    expect(ui.statusCode).toBe(200);
    expect(ui.body).toContain('swagger');
  });
});
